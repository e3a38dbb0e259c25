"""Host networking of a lab: bridges, per-node namespaces and veths, and the guard routes.

Nodes get addresses on the lab's private management bridge and a second interface on the
provider bridge, unaddressed except on a controller that is no network or compute node
(``topology.provider_address``: it reaches floating IPs from there). Nodes get no default
route and nothing here enables forwarding or NAT, so lab traffic never leaves the machine.
While a lab is down its subnets are covered by an ``unreachable`` guard route (high metric,
so the bridge's connected route wins while the lab is up); the guard stays after
``lab down`` by design.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from installer.errors import LabError
from installer.testbed.lab.system import run

GUARD_METRIC = 65000
NETNS_DIR = Path("/run/netns")
NODE_MGMT_IF = "eth0"
NODE_PROVIDER_IF = "eth1"


def ip_json(*args: str) -> list[dict[str, Any]]:
    proc = run(["ip", "-j", *args])
    text = proc.stdout.strip()
    return json.loads(text) if text else []


def link_exists(name: str) -> bool:
    return run(["ip", "link", "show", "dev", name], check=False).returncode == 0


def netns_exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def guard_route_argv(cidr: str) -> list[str]:
    return ["ip", "route", "replace", "unreachable", cidr, "metric", str(GUARD_METRIC)]


def ensure_guard_route(cidr: str) -> None:
    """Idempotent: ``ip route replace`` keeps exactly one guard for ``cidr``."""
    run(guard_route_argv(cidr))


def is_guard(route: dict[str, Any], cidr: str) -> bool:
    return (
        route.get("type") == "unreachable"
        and route.get("dst") == cidr
        and int(route.get("metric", 0)) == GUARD_METRIC
    )


def _route_network(route: dict[str, Any]) -> ipaddress.IPv4Network | None:
    dst = str(route.get("dst", ""))
    if not dst or dst == "default":
        return None
    try:
        return ipaddress.IPv4Network(dst, strict=False)
    except ValueError:
        return None


def conflicting_routes(
    routes: Iterable[dict[str, Any]], cidr: str, own_devices: Iterable[str]
) -> list[str]:
    """Routes that overlap ``cidr`` and are neither our guard nor on our own bridges."""
    net = ipaddress.IPv4Network(cidr)
    own = set(own_devices)
    found: list[str] = []
    for route in routes:
        rnet = _route_network(route)
        if rnet is None or not rnet.overlaps(net):
            continue
        if is_guard(route, cidr) or route.get("dev") in own:
            continue
        where = route.get("dev") or route.get("type", "")
        found.append(f"{route.get('dst')} ({where})")
    return found


def conflicting_addresses(
    addrs: Iterable[dict[str, Any]], cidr: str, own_devices: Iterable[str]
) -> list[str]:
    """Interfaces outside the lab that already carry an address inside ``cidr``."""
    net = ipaddress.IPv4Network(cidr)
    own = set(own_devices)
    found: list[str] = []
    for link in addrs:
        if link.get("ifname") in own:
            continue
        for info in link.get("addr_info", []):
            if info.get("family") != "inet":
                continue
            if ipaddress.IPv4Address(info["local"]) in net:
                found.append(f"{info['local']} on {link.get('ifname')}")
    return found


def check_subnet_free(cidr: str, own_devices: Iterable[str]) -> None:
    own = list(own_devices)
    problems = conflicting_routes(ip_json("route", "show", "table", "main"), cidr, own)
    problems += conflicting_addresses(ip_json("-4", "addr", "show"), cidr, own)
    if problems:
        raise LabError(
            f"subnet {cidr} is already in use on this host: {', '.join(problems)}",
            hint="pick another private subnet with --subnet/--provider-subnet "
            "(or --name for a second lab)",
        )


def ensure_bridge(name: str, address: str, prefix: int, mac: str) -> None:
    """The bridge, with a fixed MAC (else it takes its ports' lowest, which changes)."""
    if not link_exists(name):
        run(["ip", "link", "add", "name", name, "address", mac, "type", "bridge",
             "stp_state", "0", "forward_delay", "0"])
    run(["ip", "link", "set", "dev", name, "address", mac])
    run(["ip", "addr", "replace", f"{address}/{prefix}", "dev", name])
    run(["ip", "link", "set", "dev", name, "up"])


def ensure_netns(name: str) -> None:
    if not netns_exists(name):
        run(["ip", "netns", "add", name])
    run(["ip", "-n", name, "link", "set", "dev", "lo", "up"])


def veth_argv(host_end: str, netns: str, node_end: str, mac: str) -> list[str]:
    return ["ip", "link", "add", "name", host_end, "type", "veth",
            "peer", "name", node_end, "address", mac, "netns", netns]


def ensure_node_link(
    host_end: str,
    bridge: str,
    netns: str,
    node_end: str,
    address: str | None,
    prefix: int,
    mac: str,
) -> None:
    """A veth pair from ``bridge`` into ``netns``; the node end gets ``mac`` (+ ``address``)."""
    node_has_end = (
        run(["ip", "-n", netns, "link", "show", "dev", node_end], check=False).returncode == 0
    )
    if link_exists(host_end) and not node_has_end:
        run(["ip", "link", "del", "dev", host_end])  # half of a pair from an earlier run
    if not link_exists(host_end):
        run(veth_argv(host_end, netns, node_end, mac))
    run(["ip", "link", "set", "dev", host_end, "master", bridge, "up"])
    if address:
        ensure_node_address(netns, node_end, address, prefix)
    run(["ip", "-n", netns, "link", "set", "dev", node_end, "up"])


def node_address_argv(netns: str, ifname: str, address: str, prefix: int) -> list[str]:
    return ["ip", "-n", netns, "addr", "replace", f"{address}/{prefix}", "dev", ifname]


def ensure_node_address(netns: str, ifname: str, address: str, prefix: int) -> None:
    """Idempotent: ``ip addr replace`` keeps exactly one ``address`` on the node's link."""
    run(node_address_argv(netns, ifname, address, prefix))


def delete_link(name: str) -> bool:
    if not link_exists(name):
        return False
    run(["ip", "link", "del", "dev", name])
    return True


def delete_netns(name: str) -> bool:
    if not netns_exists(name):
        return False
    run(["ip", "netns", "del", name])
    return True

"""The machine stackinstall runs on, as ``answers generate --local`` describes it: its
hostname, its management address (the default route's interface, or the only global IPv4
address) and the network that address lies in.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
from dataclasses import dataclass
from typing import Any

from installer.errors import UsageError

_ADDRESS_HINT = "name it: stackinstall answers generate --local --address ADDRESS"


@dataclass(frozen=True)
class ThisMachine:
    hostname: str
    address: str
    #: the management network: the address's interface network, e.g. 10.0.0.0/24
    network: str
    interfaces: tuple[str, ...]


def _ip_json(*args: str) -> list[dict[str, Any]]:
    """``ip -j ARGS`` parsed; [] when ip is missing or fails."""
    try:
        done = subprocess.run(["ip", "-j", *args], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    try:
        data = json.loads(done.stdout or "[]")
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def ipv4_addresses(links: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """``(interface, address, prefix length)`` of every global IPv4 address of ``ip -j addr``."""
    found = []
    for link in links:
        for info in link.get("addr_info") or ():
            if info.get("family") == "inet" and info.get("scope") == "global":
                found.append((str(link.get("ifname")), str(info["local"]),
                              int(info.get("prefixlen", 32))))
    return found


def choose_address(addresses: list[tuple[str, str, int]], default_dev: str | None,
                   wanted: str | None = None) -> tuple[str, str]:
    """``(address, network)`` of the management address; UsageError when it is not clear."""
    if wanted:
        mine = [a for a in addresses if a[1] == wanted]
        if not mine:
            held = ", ".join(f"{a} ({dev})" for dev, a, _p in addresses) or "none"
            raise UsageError(f"--address {wanted} is not an address of this machine "
                             f"(its IPv4 addresses: {held})",
                             hint="give one of them, or none to use the default route's")
        chosen = mine[0]
    else:
        on_default = [a for a in addresses if a[0] == default_dev]
        if on_default:
            chosen = on_default[0]
        elif len(addresses) == 1:
            chosen = addresses[0]
        else:
            held = ", ".join(f"{a} ({dev})" for dev, a, _p in addresses) or "none"
            raise UsageError("cannot tell the management address of this machine: it has no "
                             f"default route and {len(addresses)} IPv4 addresses ({held})",
                             hint=_ADDRESS_HINT)
    _dev, address, prefix = chosen
    return address, str(ipaddress.ip_interface(f"{address}/{prefix}").network)


def detect(address: str | None = None) -> ThisMachine:
    """Describe this machine; ``address`` picks its management address by hand."""
    links = _ip_json("addr", "show")
    routes = _ip_json("-4", "route", "show", "default")
    default_dev = str(routes[0].get("dev")) if routes else None
    chosen, network = choose_address(ipv4_addresses(links), default_dev, address)
    hostname = socket.gethostname().split(".")[0]
    interfaces = tuple(str(link.get("ifname")) for link in links
                       if link.get("ifname") and link.get("ifname") != "lo")
    return ThisMachine(hostname, chosen, network, interfaces)

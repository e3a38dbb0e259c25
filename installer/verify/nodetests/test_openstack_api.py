"""The cloud's APIs, asked from the controller with the admin credentials of the post phase.

Every call is ``openstack --os-cloud <deployment> ... -f json`` on the node of the
``keystone`` group, reading the clouds.yaml the post phase wrote for root. The expected
hosts come from the inventory: every member of ``nova_compute`` must have an enabled, up
nova-compute, every member of ``neutron_agents`` its L3, DHCP and metadata agents, and so on.
"""

from __future__ import annotations

import calendar
import shlex
import time
from collections.abc import Iterable
from typing import Any

from installer import catalogue
from installer.verify import client, keystone
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail, fails_on, verdict
from installer.verify.probes import family, last_line

WHERE = "roles/openstack_post (the controller's clouds.yaml); journalctl -u UNIT on the node named"
GROUPS = ("keystone",)
CLIENT_TIMEOUT = 60

#: The interfaces every catalog entry has an endpoint for (roles/openstack_service register).
INTERFACES = ("public", "internal", "admin")
#: cinder's name of the RBD backend (roles/cinder: cinder_rbd_backend_name).
RBD_BACKEND = "ceph"
L3, DHCP, METADATA = "L3 agent", "DHCP agent", "Metadata agent"
L2_AGENT = {"linuxbridge": "Linux bridge agent", "openvswitch": "Open vSwitch agent"}


# Prints the HTTP status of argv[1] (no redirects followed), from the node itself.
STATUS_PROBE = (
    "import sys, urllib.request, urllib.error\n"
    "class NoRedirect(urllib.request.HTTPRedirectHandler):\n"
    "    def redirect_request(self, *args): return None\n"
    "opener = urllib.request.build_opener(NoRedirect)\n"
    "try: print(opener.open(sys.argv[1], timeout=20).status)\n"
    "except urllib.error.HTTPError as e: print(e.code)\n"
)


class ApiError(Exception):
    """The openstack client failed; the message is its last stderr line."""


def cloud(ctx: CheckContext) -> str:
    return str(ctx.var("deployment_name", "stackinstall"))


def openstack(host: Any, ctx: CheckContext, args: str) -> Any:
    """Run the client as root on the controller and decode its JSON output.

    Every call here only reads, so one dropped connection is retried once.
    """
    for attempt in (1, 2):
        try:
            return client.openstack(host, cloud(ctx), args, timeout=CLIENT_TIMEOUT)
        except client.ClientError as exc:
            if attempt == 2 or not exc.transient():
                cause = keystone.diagnosis(host, family(host))
                raise ApiError(f"{exc}; {cause}" if cause else str(exc)) from exc
            time.sleep(3)
    raise AssertionError("unreachable")


def enabled(ctx: CheckContext, service: str) -> bool:
    return service in (ctx.var("deployment_services") or [])


def _names(nodes: Iterable[Any]) -> list[str]:
    return sorted(n.name for n in nodes)


@check("api token issue", groups=GROUPS, where=WHERE)
@fails_on(ApiError, "the admin cannot get a token: ")
def test_token_issue(host: Any, ctx: CheckContext) -> None:
    token = openstack(host, ctx, "token issue")
    if not isinstance(token, dict) or not token.get("id"):
        fail("token issue returned no token")
    project, expires = token.get("project_id", "?"), token.get("expires")
    ctx.passed(f"token for project {project}, expires {expires}")


def expected_endpoints(ctx: CheckContext) -> dict[tuple[str, str], str]:
    """(service type, interface) -> URL, for keystone and every enabled service's API."""
    apis = catalogue.load(str(ctx.var("openstack_release", "zed"))).apis(
        list(ctx.var("deployment_services") or []))
    return {(api.type, interface): api.url(*endpoint_host(ctx, interface))
            for api in apis.values() for interface in INTERFACES}


def endpoint_host(ctx: CheckContext, interface: str) -> tuple[str, str]:
    """(host, scheme) of an interface's endpoints: the public ones at the public name or
    address, the others at the controller; https where the TLS front door serves them."""
    if interface == "public":
        return (str(ctx.var("deployment_public_host") or ctx.controller_address),
                "https" if ctx.var("deployment_tls") else "http")
    return ctx.controller_address, "https" if ctx.var("deployment_tls_internal") else "http"


@check("api catalog", groups=GROUPS, where=WHERE)
@fails_on(ApiError, "cannot read the catalog: ")
def test_catalog(host: Any, ctx: CheckContext) -> None:
    """Every endpoint per service type and interface, with the URL the roles register."""
    rows = openstack(host, ctx, "endpoint list")
    found: dict[tuple[str, str], list[str]] = {}
    for row in rows or []:
        if row.get("Enabled", True):
            key = (str(row.get("Service Type")), str(row.get("Interface")))
            found.setdefault(key, []).append(str(row.get("URL")))
    wrong = []
    for (kind, interface), url in expected_endpoints(ctx).items():
        urls = found.get((kind, interface), [])
        if not urls:
            wrong.append(f"{kind} has no {interface} endpoint (expected {url})")
        elif url not in urls:
            wrong.append(f"{kind} {interface} endpoint is {', '.join(urls)}, expected {url}")
    if wrong:
        fail("; ".join(wrong) + " (stackinstall deploy FILE --phase services "
                      "registers them again)")
    kinds = sorted({kind for kind, _ in expected_endpoints(ctx)})
    ctx.passed(f"{', '.join(kinds)}: {', '.join(INTERFACES)} endpoints at the "
                  "expected URLs")


def _down(rows: list[dict[str, Any]], binary: str, hosts: list[str], host_key: str = "Host",
          binary_key: str = "Binary", exact: bool = False) -> list[tuple[str, str, str]]:
    """Hosts of ``hosts`` without an enabled, up ``binary`` in a service list, as
    (message, binary, node).

    A row's host is compared without its ``@backend`` suffix unless ``exact``.
    """
    problems = []
    for name in hosts:
        node = name.split("@")[0]
        mine = [r for r in rows if r.get(binary_key) == binary
                and (str(r.get(host_key, "")) if exact
                     else str(r.get(host_key, "")).split("@")[0]) == name]
        if not mine:
            problems.append((f"no {binary} on {name}", binary, node))
            continue
        row = mine[0]
        if str(row.get("State", "")).lower() != "up" or row.get("Status") != "enabled":
            problems.append((f"{binary} on {name} is {row.get('Status')}/{row.get('State')}",
                             binary, node))
    return problems


#: the unit of a service binary on this node, its state, and its log's last error
WHY_DOWN = (
    "unit=$(systemctl list-units --all --plain --no-legend --type=service '*%(binary)s.service' "
    "| awk '{print $1; exit}'); [ -n \"$unit\" ] && systemctl show -p Id -p ActiveState "
    "-p SubState -p NRestarts -p ActiveEnterTimestamp \"$unit\"; "
    "echo \"error=$(grep -E ' (ERROR|CRITICAL) ' %(log)s 2>/dev/null | tail -n 1 | cut -c1-240)\""
)


def _why_down(host: Any, ctx: CheckContext, binary: str, node: str) -> str:
    """Why a service that does not report may be down: on this node its unit's state and the
    last error of its log; on another node, where to look."""
    log = f"/var/log/{binary.split('-')[0]}/{binary}.log"
    if node != ctx.node.name:
        return f"its log on {node}: {log}"
    found = dict(line.partition("=")[::2] for line in
                 host.run(WHY_DOWN % {"binary": binary, "log": log}).stdout.splitlines()
                 if "=" in line)
    if not found.get("Id"):
        return f"no {binary} unit on {node}"
    state = f"{found['Id']} {found.get('ActiveState')}/{found.get('SubState')}"
    if found.get("ActiveState") == "active":
        state += (f" since {found.get('ActiveEnterTimestamp')}, {found.get('NRestarts', '?')} "
                  "restarts: it runs but does not report (hung?)")
    error = found.get("error") or "none"
    return f"{state}; last error in {log}: {error}"


def _explained(host: Any, ctx: CheckContext, problems: list[tuple[str, str, str]]) -> list[str]:
    """Each (message, binary, node) of a service that does not report, with why."""
    return [f"{message} ({_why_down(host, ctx, binary, node)})"
            for message, binary, node in problems]


def _listing(host: Any, ctx: CheckContext, args: str) -> list[dict[str, Any]]:
    try:
        return list(openstack(host, ctx, args) or [])
    except ApiError as exc:
        raise ApiError(f"cannot run '{args}': {exc}") from exc


# The API checks of a service run where its API runs (the controller, which also holds the
# admin's clouds.yaml), so a service that is not deployed has no such check at all.
@check("api compute services", groups=("nova_controller",), where=WHERE)
@fails_on(ApiError)
def test_compute_services(host: Any, ctx: CheckContext) -> None:
    rows = _listing(host, ctx, "compute service list")
    controllers = _names(ctx.inventory.group("nova_controller"))
    computes = _names(ctx.inventory.group("nova_compute"))
    problems = _explained(host, ctx, _down(rows, "nova-conductor", controllers)
                          + _down(rows, "nova-scheduler", controllers)
                          + _down(rows, "nova-compute", computes))
    verdict(ctx, problems, f"conductor, scheduler on {', '.join(controllers)}; "
                              f"compute on {', '.join(computes)}")


@check("api network agents", groups=("neutron_server",), where=WHERE)
@fails_on(ApiError)
def test_network_agents(host: Any, ctx: CheckContext) -> None:
    rows = _listing(host, ctx, "network agent list")
    l2 = L2_AGENT.get(str(ctx.var("neutron_mechanism_driver", "linuxbridge")), "")
    wanted = [(t, n) for n in _names(ctx.inventory.group("neutron_agents"))
              for t in (L3, DHCP, METADATA)]
    wanted += [(l2, n) for n in _names(ctx.inventory.group("neutron_l2_agent"))]
    problems = []
    for agent_type, name in wanted:
        mine = [r for r in rows if r.get("Agent Type") == agent_type and r.get("Host") == name]
        if not mine:
            problems.append(f"no {agent_type} on {name}")
        elif mine[0].get("Alive") not in (True, ":-)") or mine[0].get("State") is False:
            problems.append(f"{agent_type} on {name} is not alive")
    verdict(ctx, problems, f"{len(wanted)} agents alive")


@check("api volume services", groups=("cinder_controller",), where=WHERE)
@fails_on(ApiError)
def test_volume_services(host: Any, ctx: CheckContext) -> None:
    rows = _listing(host, ctx, "volume service list")
    volume_hosts = _names(ctx.inventory.group("cinder_volume"))
    problems = _explained(host, ctx, _down(rows, "cinder-scheduler",
                                           _names(ctx.inventory.group("cinder_controller")))
                          + _down(rows, "cinder-volume", volume_hosts))
    if ctx.var("cinder_backend") == "ceph":  # the RBD backend is the host's "@ceph" service
        backends = [f"{name}@{RBD_BACKEND}" for name in volume_hosts]
        problems += [f"{p} (the RBD backend; cinder-volume's log on the storage node says why)"
                     for p, _, _ in _down(rows, "cinder-volume", backends, exact=True)]
        verdict(ctx, problems, f"cinder-scheduler up; RBD backend {', '.join(backends)} up")
        return
    verdict(ctx, problems, "cinder-scheduler and cinder-volume up")


@check("horizon login page", groups=("horizon",), where="roles/horizon; /var/log/apache2")
def test_horizon_login_page(host: Any, ctx: CheckContext) -> None:
    public, scheme = endpoint_host(ctx, "public")
    url = (f"{scheme}://{public}/horizon/auth/login/" if scheme == "https"
           else f"http://{ctx.node.address}/horizon/auth/login/")
    result = host.run(f"python3 -c {shlex.quote(STATUS_PROBE)} {shlex.quote(url)}")
    code = result.stdout.strip()
    if code != "200":
        fail(f"{url} answered {code or 'nothing'} "
                      f"({last_line(result.stderr) or 'expected 200'})")
    ctx.passed(f"{url} 200")


#: A guest port may be DOWN this long after its server was created (the agent is wiring it).
WIRING_GRACE_S = 120


@check("api L2 agents wire guest ports", groups=("neutron_server",), where=WHERE)
@fails_on(ApiError)
def test_guest_ports_wired(host: Any, ctx: CheckContext) -> None:
    """A guest port left DOWN under a running (or long-building) server was never wired:
    its node's L2 agent reports alive but does not do its work."""
    problems = []
    now = float(host.run("date -u +%s").stdout.strip() or time.time())
    for node in _names(ctx.inventory.group("neutron_l2_agent")):
        ports = _listing(host, ctx, f"port list --host {shlex.quote(node)} --long")
        for port in ports:
            if (not str(port.get("Device Owner", "")).startswith("compute:")
                    or port.get("Status") != "DOWN"):
                continue
            detail = openstack(host, ctx, f"port show {port['ID']}")
            server = openstack(host, ctx, f"server show {detail.get('device_id')}")
            status = str(server.get("status", ""))
            age = now - _utc_epoch(str(server.get("created", "")))
            if status == "ACTIVE" or (status == "BUILD" and age > WIRING_GRACE_S):
                problems.append(f"port {port['ID']} of server {server.get('id')} "
                                f"({status}, {age:.0f} s old) is DOWN on {node}: its L2 "
                                "agent reports alive but did not wire it")
    verdict(ctx, problems, "no guest port is left unwired")


def _utc_epoch(created: str) -> float:
    """Epoch seconds of an API timestamp like 2026-11-22T03:41:38Z (UTC)."""
    try:
        return float(calendar.timegm(time.strptime(created[:19], "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return time.time()

"""Why a server or a floating IP did not come up, in words an operator can act on.

Seen on the lab: the L2 agent on the compute node stopped wiring ports, every new server
stayed in BUILD, and all the smoke could say was "still build after 300 s". A server's
diagnosis names its compute node and what can be seen there: the port's binding, the L2
agent of that node (from neutron), and nova-compute's last error (from the node's log). A
floating IP's names what the router's namespace on the network node holds for it.
Diagnosis never raises: what cannot be read is said to be unreadable.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from installer import catalogue
from installer.verify.probes import family, last_line

#: nova-compute's log on the distro families we deploy (journal as a fall-back).
NOVA_COMPUTE_LOGS = ("/var/log/nova/nova-compute.log",)


def port_findings(ports: list[Any]) -> list[str]:
    """Ports whose binding failed or that no agent wired."""
    found = []
    for port in ports:
        vif, status = str(port.binding_vif_type or ""), str(port.status or "")
        if vif in ("binding_failed", "unbound"):
            found.append(f"port {port.id} binding is {vif} (no L2 agent on the node could "
                         "bind it)")
        elif status != "ACTIVE":
            found.append(f"port {port.id} is {status or 'without status'} "
                         "(the L2 agent has not wired it)")
    return found


def agent_findings(agents: list[Any], node: str) -> list[str]:
    """The L2 agent of ``node``: missing, dead or administratively down."""
    l2 = [a for a in agents if "bridge" in str(a.agent_type).lower()
          or "open vswitch" in str(a.agent_type).lower()]
    if not l2:
        return [f"no L2 agent is registered on {node}"]
    found = []
    for agent in l2:
        if not agent.is_alive:
            found.append(f"{agent.agent_type} on {node} is not alive")
        if not agent.is_admin_state_up:
            found.append(f"{agent.agent_type} on {node} is administratively down")
    return found


def nova_compute_error(host: Any) -> str | None:
    """The last ERROR line nova-compute logged on its node, or None."""
    for path in NOVA_COMPUTE_LOGS:
        got = host.run(f"grep -h ' ERROR ' {path} 2>/dev/null | tail -n 1")
        if got.rc == 0 and got.stdout.strip():
            return str(last_line(got.stdout))[-400:]
    unit = catalogue.load().components["nova_compute"].units[family(host)][0]
    got = host.run(f"journalctl -u {unit} -p err -n 1 --no-pager -o cat 2>/dev/null")
    text = got.stdout.strip() if got.rc == 0 else ""
    return text[-400:] or None


def server(conn: Any, server_id: str, node: str,
           node_host: Callable[[str], Any] | None) -> str:
    """One sentence of findings about ``server_id`` that should be on ``node``."""
    findings: list[str] = []
    try:
        findings += port_findings(list(conn.network.ports(device_id=server_id)))
    except Exception as exc:  # diagnosis must never hide the original failure
        findings.append(f"ports unreadable ({exc})")
    try:
        findings += agent_findings(list(conn.network.agents(host=node)), node)
    except Exception as exc:
        findings.append(f"agents unreadable ({exc})")
    if node_host is not None:
        try:
            error = nova_compute_error(node_host(node))
        except Exception as exc:
            error = f"unreadable ({exc})"
        if error:
            findings.append(f"nova-compute's last error on {node}: {error}")
    if not findings:
        findings.append(f"ports bound and ACTIVE, the L2 agent on {node} alive, "
                        "no error from nova-compute")
    return f"on compute node {node}: " + "; ".join(findings)


def router_namespace(host: Any, router_id: str, address: str, fixed: str) -> str:
    """What the router's namespace on ``host`` shows of the path ``address`` -> ``fixed``."""
    ns = shlex.quote(f"qrouter-{router_id}")
    probe = (f"ip netns exec {ns} ip -o -4 addr show | grep -qw {shlex.quote(address)} "
             "&& echo fip=on-router || echo fip=missing; "
             f"ip netns exec {ns} iptables -t nat -S | grep -c -e "
             f"{shlex.quote('-d ' + address + '/32 -j DNAT --to-destination ' + fixed)} "
             "| sed 's/^/dnat=/'; "
             f"ip netns exec {ns} ip neigh show {shlex.quote(fixed or '0.0.0.0')} "
             "| sed 's/^/neighbour=/'")
    try:
        seen = host.run(probe)
        facts = " ".join(str(seen.stdout).split()) or last_line(seen.stderr) or "nothing"
    except Exception as exc:  # diagnosis must never hide the original failure
        facts = f"unreadable ({exc})"
    return f"in qrouter-{router_id} for {address} -> {fixed or '?'}: {facts}"

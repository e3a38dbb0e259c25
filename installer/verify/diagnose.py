"""Why a server did not become ACTIVE, in the words an operator can act on.

Seen on the lab: the L2 agent on the compute node stopped wiring ports, every new server
stayed in BUILD, and all the smoke could say was "still build after 300 s". This module
names the compute node and what can be seen there: the port's binding, the L2 agent of
that node, and nova-compute's last error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from installer import catalogue
from installer.verify.probes import family, last_line

#: nova-compute's log on the distro families we deploy (journal as a fall-back).
NOVA_COMPUTE_LOGS = ("/var/log/nova/nova-compute.log",)


def port_findings(ports: list[dict[str, Any]]) -> list[str]:
    """Ports whose binding failed or that no agent wired (from ``port list --long``)."""
    found = []
    for port in ports:
        vif = str(port.get("binding_vif_type") or port.get("binding:vif_type") or "")
        status = str(port.get("Status") or port.get("status") or "")
        pid = port.get("ID") or port.get("id")
        if vif in ("binding_failed", "unbound"):
            found.append(f"port {pid} binding is {vif} (no L2 agent on the node could bind it)")
        elif status != "ACTIVE":
            found.append(f"port {pid} is {status or 'without status'} "
                         "(the L2 agent has not wired it)")
    return found


def agent_findings(agents: list[dict[str, Any]], node: str) -> list[str]:
    """The L2 agent of ``node`` from ``network agent list --host``: missing, dead or down."""
    l2 = [a for a in agents if "bridge" in str(a.get("Agent Type", "")).lower()
          or "open vswitch" in str(a.get("Agent Type", "")).lower()]
    if not l2:
        return [f"no L2 agent is registered on {node}"]
    found = []
    for agent in l2:
        alive = agent.get("Alive")
        if alive not in (True, ":-)", "True"):
            found.append(f"{agent.get('Agent Type')} on {node} is not alive")
        if agent.get("State") not in (True, "UP", "True"):
            found.append(f"{agent.get('Agent Type')} on {node} is administratively down")
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


def explain(
    server_id: str,
    node: str,
    openstack: Callable[[str], Any],
    node_host: Callable[[str], Any] | None,
) -> str:
    """One sentence of findings about ``server_id`` that should be on ``node``."""
    findings: list[str] = []
    try:
        findings += port_findings(openstack(f"port list --server {server_id} --long") or [])
    except Exception as exc:  # diagnosis must never hide the original failure
        findings.append(f"ports unreadable ({exc})")
    try:
        findings += agent_findings(openstack(f"network agent list --host {node}") or [], node)
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

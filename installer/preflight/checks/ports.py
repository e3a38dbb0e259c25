"""Check 10: the TCP ports the node's services need are free, or held by those services."""

from __future__ import annotations

from installer.preflight.checks.context import Context
from installer.preflight.findings import Finding, failed, passed
from installer.preflight.ports import port_needs


def ports(ctx: Context) -> list[Finding]:
    needs = port_needs(ctx.deployment, ctx.node)
    if not needs:
        return []
    name = ctx.node.name
    listeners = ctx.facts.listeners
    if listeners is None:
        return [failed(name, "ports", "ss is missing: cannot list listening ports",
                       "ports " + ", ".join(str(n.port) for n in needs) + " free",
                       "install iproute2 (it provides ss)")]
    findings = []
    for need in needs:
        check = f"port {need.port}"
        expected = f"free for {need.service}"
        held = [x for x in listeners if x.port == need.port]
        if not held:
            findings.append(passed(name, check, "free", expected))
            continue
        own = [u for u in need.units_for(ctx.platform.family)
               if ctx.facts.units.get(u) == "active"]
        if own:
            findings.append(passed(name, check, f"held by {', '.join(own)} (already "
                                   "deployed)", expected))
            continue
        who = ", ".join(sorted({x.process or "an unnamed process" for x in held}))
        where = ", ".join(sorted({x.address for x in held}))
        findings.append(failed(name, check, f"{who} listens on {where}:{need.port}", expected,
                               f"stop or move what listens on {need.port} on {name} "
                               f"(ss -ltnp 'sport = :{need.port}' shows it)"))
    return findings

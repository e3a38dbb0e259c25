"""Check 8: hostnames and addresses are consistent; no two nodes are the same machine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from installer.preflight.checks.context import Context
from installer.preflight.facts import NodeProbe
from installer.preflight.findings import Finding, failed, passed, warned


def hostname(ctx: Context) -> list[Finding]:
    name, have = ctx.node.name, ctx.facts.hostname
    expected = f"{name} (nodes[].name)"
    if have == name:
        return [passed(name, "hostname", have, expected)]
    # roles/base writes /etc/hostname and sets the running hostname in the bootstrap phase
    return [warned(name, "hostname", have or "(empty)", expected,
                   f"nothing to do: the bootstrap phase sets the hostname to {name}")]


def address(ctx: Context) -> list[Finding]:
    name, addr = ctx.node.name, ctx.node.address
    expected = f"{addr} (nodes[].address) on one of the node's interfaces"
    if addr in ctx.facts.addresses:
        return [passed(name, "address", f"{addr} is the node's own", expected)]
    own = ", ".join(a for a in ctx.facts.addresses
                    if not a.startswith(("127.", "::1", "fe80:"))) or "none"
    return [failed(name, "address", f"{addr} answered, but the node's addresses are: {own}",
                   expected, f"set nodes[].address of {name} to its management address "
                   "(the SSH login reached another machine, or passes through NAT)")]


def public_address(ctx: Context) -> list[Finding]:
    """The controller has tls.public_address, which HAProxy binds (none asked otherwise)."""
    dep, name = ctx.deployment, ctx.node.name
    wanted = dep.tls.public_address
    if not (dep.tls.enabled and wanted and "controller" in ctx.node.roles
            and wanted != ctx.node.address):
        return []
    expected = f"{wanted} (tls.public_address) on one of the controller's interfaces"
    if wanted in ctx.facts.addresses:
        return [passed(name, "public address", f"{wanted} is the node's own", expected)]
    return [failed(name, "public address", f"{wanted} is not an address of {name}", expected,
                   f"give {name} the address {wanted}, or set tls.public_address to one of "
                   "its addresses (empty: the management address)")]


def unique_machines(probes: Sequence[NodeProbe]) -> list[Finding]:
    """Two nodes with one machine-id or one SSH host key are one machine, or clones."""
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for probe in probes:
        if probe.facts is not None and probe.facts.machine_id:
            seen[("machine-id", probe.facts.machine_id)].append(probe.name)
        if probe.host_key:
            seen[("SSH host key", probe.host_key)].append(probe.name)
    clashes: dict[str, list[str]] = defaultdict(list)
    for (kind, value), names in seen.items():
        if len(names) > 1:
            for node in names:
                others = ", ".join(n for n in names if n != node)
                clashes[node].append(f"same {kind} as {others} ({value[:60]})")
    findings = []
    for probe in probes:
        if probe.login_error:
            continue
        expected = "a machine-id and SSH host key no other node has"
        if probe.name in clashes:
            findings.append(failed(
                probe.name, "unique machine", "; ".join(clashes[probe.name]), expected,
                "nodes[].address may name one machine twice; a cloned machine needs a new "
                "/etc/machine-id (systemd-machine-id-setup) and new SSH host keys "
                "(ssh-keygen -A after removing /etc/ssh/ssh_host_*)"))
        else:
            findings.append(passed(probe.name, "unique machine", "machine-id and host key "
                                   "are its own", expected))
    return findings

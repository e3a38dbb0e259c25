"""Check 4: CPUs, memory and free disk meet the minimums of the node's roles."""

from __future__ import annotations

from installer.preflight.checks.context import Context
from installer.preflight.findings import Finding, failed, passed
from installer.preflight.minimums import DISK_PATHS, minimum_for

_KIB_PER_GIB = 1024 * 1024


def _roles(ctx: Context) -> str:
    return "+".join(ctx.node.roles)


def cpus(ctx: Context) -> list[Finding]:
    need = minimum_for(ctx.node.roles).cpus
    have = ctx.facts.cpus
    expected = f"at least {need} CPUs for {_roles(ctx)}"
    if have is not None and have >= need:
        return [passed(ctx.node.name, "cpus", f"{have} CPUs", expected)]
    return [failed(ctx.node.name, "cpus", f"{have if have is not None else 'unknown'} CPUs",
                   expected, f"give {ctx.node.name} {need} or more CPUs, or move roles to "
                   "another node")]


def memory(ctx: Context) -> list[Finding]:
    need = minimum_for(ctx.node.roles).memory_gib
    kib = ctx.facts.memory_kib
    expected = f"at least {need:g} GiB for {_roles(ctx)}"
    found = f"{kib / _KIB_PER_GIB:.1f} GiB" if kib is not None else "unknown"
    if kib is not None and kib >= need * _KIB_PER_GIB * 0.97:  # firmware keeps a little
        return [passed(ctx.node.name, "memory", found, expected)]
    return [failed(ctx.node.name, "memory", found, expected,
                   f"give {ctx.node.name} {need:g} GiB of RAM or more, or move roles to "
                   "another node")]


def disk(ctx: Context) -> list[Finding]:
    need = minimum_for(ctx.node.roles).disk_gib
    by_path = {d.path: d for d in ctx.facts.disks}
    findings = []
    for path in DISK_PATHS:
        check = f"disk {path}"
        expected = f"at least {need:g} GiB free for {_roles(ctx)}"
        free = by_path.get(path)
        if free is None:
            findings.append(failed(ctx.node.name, check, f"df -Pk {path} printed nothing",
                                   expected, f"check that {path} exists and df works"))
            continue
        found = f"{free.free_kib / _KIB_PER_GIB:.1f} GiB free on {free.mount}"
        if free.free_kib >= need * _KIB_PER_GIB:
            findings.append(passed(ctx.node.name, check, found, expected))
        else:
            findings.append(failed(ctx.node.name, check, found, expected,
                                   f"free space on {free.mount} or grow it"))
    return findings

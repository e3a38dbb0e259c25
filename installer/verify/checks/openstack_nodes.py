"""Every service on each node: packages, units active and enabled, ports, config files.

The facts come from the service catalogue (installer/catalogue/catalogue.yml), the same data
the roles install from: one check of each kind per inventory group, over the group's
components that the deployment's settings select (``when``: e.g. LVM's iSCSI target only
without cinder.backend ceph, the L2 agent of network.mechanism_driver).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from installer import catalogue
from installer.catalogue import Component
from installer.verify.context import CheckContext
from installer.verify.probes import family, listening_addresses
from installer.verify.registry import Outcome, check, failed, passed

WILDCARDS = {"0.0.0.0", "::"}


def components(group: str, ctx: CheckContext) -> list[Component]:
    """The group's components for this deployment's release and settings."""
    cat = catalogue.load(str(ctx.var("openstack_release", "zed")))
    return cat.in_group(group, ctx.inventory.variables)


def _collect(group: str, ctx: CheckContext, host: Any, kind: str) -> list[str]:
    fam = family(host)
    names = [n for c in components(group, ctx) for n in getattr(c, kind)[fam]]
    return list(dict.fromkeys(names))


def _packages(group: str) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        names = _collect(group, ctx, host, "packages")
        missing = [n for n in names if not host.package(n).is_installed]
        if missing:
            return failed(f"not installed: {', '.join(missing)}")
        return passed(", ".join(f"{n} {host.package(n).version}" for n in names))

    return probe


def _units(group: str) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        names = _collect(group, ctx, host, "units")
        quoted = " ".join(shlex.quote(f"{n}.service") for n in names)
        active = host.run(f"systemctl is-active {quoted}").stdout.split()
        enabled = host.run(f"systemctl is-enabled {quoted}").stdout.split()
        wrong = []
        for i, name in enumerate(names):
            state = active[i] if i < len(active) else "unknown"
            boot = enabled[i] if i < len(enabled) else "unknown"
            if state != "active":
                wrong.append(f"{name} is {state}")
            if boot != "enabled":
                wrong.append(f"{name} is {boot} at boot")
        if wrong:
            return failed("; ".join(wrong) + " (expected active and enabled; journalctl -u UNIT)")
        return passed(", ".join(names))

    return probe


def _ports(group: str) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        address = ctx.node.address
        wrong, shown = [], []
        ports = list(dict.fromkeys(p for c in components(group, ctx) for p in c.ports))
        if not ports:
            return passed("no port to serve with these settings (e.g. cinder.backend ceph: "
                          "qemu reaches Ceph itself)")
        for port in ports:
            listening = listening_addresses(host, port)
            if not listening:
                wrong.append(f"nothing listens on port {port}")
            elif address not in listening and not listening & WILDCARDS:
                wrong.append(f"port {port} listens on {', '.join(sorted(listening))}, "
                             f"not on the management address {address}")
            else:
                shown.append(f"{port} on {'all addresses' if listening & WILDCARDS else address}")
        if wrong:
            return failed("; ".join(wrong))
        return passed(", ".join(shown))

    return probe


def _configs(group: str) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        wrong, shown = [], []
        fam = family(host)
        configs = {c.path: c.group[fam] for comp in components(group, ctx) for c in comp.configs}
        for path, owner_group in configs.items():
            f = host.file(path)
            if not f.exists:
                wrong.append(f"{path} is missing")
                continue
            owner, grp, mode = f.user, f.group, f.mode
            if owner != "root" or grp != owner_group:
                wrong.append(f"{path} is owned {owner}:{grp}, expected root:{owner_group}")
            if mode & 0o007:
                wrong.append(f"{path} is readable by others (mode {mode:04o}), expected 0640")
            shown.append(f"{path} {owner}:{grp} {mode:04o}")
        if wrong:
            return failed("; ".join(wrong))
        return passed(", ".join(shown))

    return probe


def _register() -> None:
    """One check of each kind per group; the catalogue's facts are the same in every release."""
    cat = catalogue.load()
    for group in cat.groups:
        comps = cat.in_group(group)
        if not comps:
            continue
        where = f"roles/{cat.services[cat.groups[group].service].role}"
        label = group.replace("_", " ")
        groups = (group,)
        if any(c.packages[f] for c in comps for f in catalogue.FAMILIES):
            check(f"{label} packages", groups=groups, where=where)(_packages(group))
        if any(c.units[f] for c in comps for f in catalogue.FAMILIES):
            check(f"{label} services", groups=groups, where=where)(_units(group))
        if any(c.ports for c in comps):
            check(f"{label} ports", groups=groups, where=where)(_ports(group))
        if any(c.configs for c in comps):
            check(f"{label} config files", groups=groups, where=where)(_configs(group))


_register()

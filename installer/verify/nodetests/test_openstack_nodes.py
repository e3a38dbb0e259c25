"""Every service on each node: packages, units active and enabled, ports, config files.

The facts come from the service catalogue (installer/catalogue/catalogue.yml), the same data
the roles install from: one check of each kind per inventory group, over the group's
components that the deployment's settings select (``when``: e.g. LVM's iSCSI target only
without cinder.backend ceph, the L2 agent of network.mechanism_driver).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from installer import catalogue
from installer.catalogue import Component
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail, verdict
from installer.verify.probes import family, listening_addresses, unit_state

WILDCARDS = {"0.0.0.0", "::"}


@dataclass(frozen=True)
class Facet:
    """One kind of check (packages, services, ports, config files) of one inventory group."""

    group: str
    kind: str


def components(group: str, ctx: CheckContext) -> list[Component]:
    """The group's components for this deployment's release and settings."""
    cat = catalogue.load(str(ctx.var("openstack_release", "zed")))
    return cat.in_group(group, ctx.inventory.variables)


def _collect(group: str, ctx: CheckContext, host: Any, kind: str) -> list[str]:
    fam = family(host)
    names = [n for c in components(group, ctx) for n in getattr(c, kind)[fam]]
    return list(dict.fromkeys(names))


def packages(host: Any, ctx: CheckContext, group: str) -> None:
    names = _collect(group, ctx, host, "packages")
    missing = [n for n in names if not host.package(n).is_installed]
    if missing:
        fail(f"not installed: {', '.join(missing)}")
    ctx.passed(", ".join(f"{n} {host.package(n).version}" for n in names))


def services(host: Any, ctx: CheckContext, group: str) -> None:
    names = _collect(group, ctx, host, "units")
    wrong = []
    for name in names:
        unit = host.service(name)
        if (state := unit_state(host, name)) != "active":
            wrong.append(f"{name} is {state}")
        if not unit.is_enabled:
            wrong.append(f"{name} is not enabled at boot")
    if wrong:
        fail("; ".join(wrong) + " (expected active and enabled; journalctl -u UNIT)")
    ctx.passed(", ".join(names))


def ports(host: Any, ctx: CheckContext, group: str) -> None:
    address = ctx.node.address
    wrong, shown = [], []
    wanted = list(dict.fromkeys(p for c in components(group, ctx) for p in c.ports))
    if not wanted:
        ctx.passed("no port to serve with these settings (e.g. cinder.backend ceph: qemu "
                   "reaches Ceph itself)")
        return
    for port in wanted:
        listening = listening_addresses(host, port)
        if not listening:
            wrong.append(f"nothing listens on port {port}")
        elif address not in listening and not listening & WILDCARDS:
            wrong.append(f"port {port} listens on {', '.join(sorted(listening))}, "
                         f"not on the management address {address}")
        else:
            shown.append(f"{port} on {'all addresses' if listening & WILDCARDS else address}")
    verdict(ctx, wrong, ", ".join(shown))


def config_files(host: Any, ctx: CheckContext, group: str) -> None:
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
    verdict(ctx, wrong, ", ".join(shown))


PROBES: dict[str, Callable[[Any, CheckContext, str], None]] = {
    "packages": packages, "services": services, "ports": ports, "config files": config_files,
}


def facets() -> list[Any]:
    """Each group's checks, in the catalogue's group order: ``<group> packages``, ``services``,
    ``ports``, ``config files`` where its components have any (the same in every release)."""
    cat = catalogue.load()
    found = []
    for group in cat.groups:
        comps = cat.in_group(group)
        has = {
            "packages": any(c.packages[f] for c in comps for f in catalogue.FAMILIES),
            "services": any(c.units[f] for c in comps for f in catalogue.FAMILIES),
            "ports": any(c.ports for c in comps),
            "config files": any(c.configs for c in comps),
        }
        where = f"roles/{cat.services[cat.groups[group].service].role}"
        name = group.replace("_", " ")
        found += [pytest.param(Facet(group, kind), id=f"{group}-{kind.replace(' ', '-')}",
                               marks=check(f"{name} {kind}", groups=(group,), where=where))
                  for kind, present in has.items() if comps and present]
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "facet" in metafunc.fixturenames:
        metafunc.parametrize("facet", facets())


def test_catalogue(host: Any, ctx: CheckContext, facet: Facet) -> None:
    PROBES[facet.kind](host, ctx, facet.group)

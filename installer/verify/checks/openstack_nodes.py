"""OpenStack services on each node: packages, units active and enabled, ports, config files.

One table row per inventory group (docs/contracts.md); each row gives the distro family's
package and unit names, the TCP ports the group's services answer on, and the config files
that carry secrets (owned root:<service>, not world-readable). The checks are generated from
the table, so a new service is one more row.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from installer.verify.context import CheckContext
from installer.verify.probes import listening_addresses
from installer.verify.registry import Outcome, check, failed, passed

WILDCARDS = {"0.0.0.0", "::"}


@dataclass(frozen=True)
class Component:
    """What one inventory group runs. Names are per family: ``debian`` or ``redhat``."""

    group: str
    role: str
    packages: Mapping[str, tuple[str, ...]]
    units: Mapping[str, tuple[str, ...]]
    ports: tuple[int, ...] = ()
    configs: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: Packages, units and ports of LVM's iSCSI target: not there with cinder.backend ceph.
    lvm_only: frozenset[str] = frozenset()
    #: Packages the RBD backend adds with cinder.backend ceph.
    rbd_packages: tuple[str, ...] = ()


def _same(value: tuple[Any, ...]) -> dict[str, tuple[Any, ...]]:
    return {"debian": value, "redhat": value}


COMPONENTS: tuple[Component, ...] = (
    Component(
        "keystone", "keystone",
        packages={"debian": ("keystone",), "redhat": ("openstack-keystone", "httpd")},
        units={"debian": ("keystone",), "redhat": ("httpd",)},
        ports=(5000,),
        configs=_same((("/etc/keystone/keystone.conf", "keystone"),)),
    ),
    Component(
        "glance", "glance",
        packages={"debian": ("glance-api",), "redhat": ("openstack-glance",)},
        units={"debian": ("glance-api",), "redhat": ("openstack-glance-api",)},
        ports=(9292,),
        configs=_same((("/etc/glance/glance-api.conf", "glance"),)),
    ),
    Component(
        "placement", "placement",
        packages={"debian": ("placement-api",), "redhat": ("openstack-placement-api", "httpd")},
        units={"debian": ("placement-api",), "redhat": ("httpd",)},
        ports=(8778,),
        configs=_same((("/etc/placement/placement.conf", "placement"),)),
    ),
    Component(
        "nova_controller", "nova",
        packages={
            "debian": ("nova-api", "nova-conductor", "nova-scheduler", "nova-consoleproxy"),
            "redhat": ("openstack-nova-api", "openstack-nova-conductor",
                       "openstack-nova-scheduler", "openstack-nova-novncproxy"),
        },
        units={
            "debian": ("nova-api", "nova-api-metadata", "nova-conductor", "nova-scheduler",
                       "nova-novncproxy"),
            "redhat": ("openstack-nova-api", "openstack-nova-metadata-api",
                       "openstack-nova-conductor", "openstack-nova-scheduler",
                       "openstack-nova-novncproxy"),
        },
        ports=(8774, 8775, 6080),
        configs=_same((("/etc/nova/nova.conf", "nova"),)),
    ),
    Component(
        "nova_compute", "nova",
        packages={"debian": ("nova-compute",), "redhat": ("openstack-nova-compute",)},
        units={"debian": ("libvirtd", "nova-compute"),
               "redhat": ("libvirtd", "openstack-nova-compute")},
        configs=_same((("/etc/nova/nova.conf", "nova"),)),
    ),
    Component(
        "neutron_server", "neutron",
        packages={"debian": ("neutron-server",), "redhat": ("openstack-neutron-ml2",)},
        units={"debian": ("neutron-api", "neutron-rpc-server"), "redhat": ("neutron-server",)},
        ports=(9696,),
        configs=_same((("/etc/neutron/neutron.conf", "neutron"),
                       ("/etc/neutron/plugins/ml2/ml2_conf.ini", "neutron"))),
    ),
    Component(
        "neutron_agents", "neutron",
        packages={"debian": ("neutron-l3-agent", "neutron-dhcp-agent", "neutron-metadata-agent"),
                  "redhat": ("openstack-neutron",)},
        units=_same(("neutron-l3-agent", "neutron-dhcp-agent", "neutron-metadata-agent")),
        configs=_same((("/etc/neutron/neutron.conf", "neutron"),
                       ("/etc/neutron/l3_agent.ini", "neutron"),
                       ("/etc/neutron/dhcp_agent.ini", "neutron"),
                       ("/etc/neutron/metadata_agent.ini", "neutron"))),
    ),
    Component(
        "neutron_l2_agent", "neutron",
        packages={"debian": ("neutron-linuxbridge-agent",),
                  "redhat": ("openstack-neutron-linuxbridge",)},
        units=_same(("neutron-linuxbridge-agent",)),
        configs=_same((("/etc/neutron/neutron.conf", "neutron"),
                       ("/etc/neutron/plugins/ml2/linuxbridge_agent.ini", "neutron"))),
    ),
    Component(
        "cinder_controller", "cinder",
        packages={"debian": ("cinder-api", "cinder-scheduler"),
                  "redhat": ("openstack-cinder",)},
        units={"debian": ("cinder-api", "cinder-scheduler"),
               "redhat": ("openstack-cinder-api", "openstack-cinder-scheduler")},
        ports=(8776,),
        configs=_same((("/etc/cinder/cinder.conf", "cinder"),)),
    ),
    Component(
        "cinder_volume", "cinder",
        packages={"debian": ("cinder-volume", "lvm2", "tgt"),
                  "redhat": ("openstack-cinder", "lvm2", "targetcli")},
        units={"debian": ("cinder-volume", "tgt"), "redhat": ("openstack-cinder-volume",)},
        ports=(3260,),
        configs=_same((("/etc/cinder/cinder.conf", "cinder"),)),
        lvm_only=frozenset({"tgt", "targetcli", "3260"}),
        rbd_packages=("ceph-common", "python3-rbd"),
    ),
    Component(
        "horizon", "horizon",
        packages={"debian": ("openstack-dashboard-apache",),
                  "redhat": ("openstack-dashboard", "httpd")},
        units={"debian": ("apache2",), "redhat": ("httpd",)},
        ports=(80,),
        configs={"debian": (("/etc/openstack-dashboard/local_settings.d/_90_stackinstall.py",
                             "www-data"),),
                 "redhat": (("/etc/openstack-dashboard/local_settings.d/_90_stackinstall.py",
                             "apache"),)},
    ),
)


def family(host: Any) -> str:
    """``debian`` for Debian and Ubuntu, ``redhat`` for the RHEL family."""
    distribution = (host.system_info.distribution or "").lower()
    return "debian" if distribution in {"debian", "ubuntu"} else "redhat"


def _names(names: tuple[str, ...], ctx: CheckContext) -> list[str]:
    """The L2 agent's names follow the answer file's mechanism driver."""
    driver = str(ctx.var("neutron_mechanism_driver", "linuxbridge"))
    return [n.replace("linuxbridge", driver) for n in names]


def _rbd(ctx: CheckContext) -> bool:
    return ctx.var("cinder_backend") == "ceph"


def _backend(comp: Component, names: tuple[str, ...], ctx: CheckContext) -> tuple[str, ...]:
    """Without LVM (cinder.backend ceph) the iSCSI target's names are not expected."""
    return tuple(n for n in names if not (_rbd(ctx) and n in comp.lvm_only))


def _packages(comp: Component) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        names = _names(_backend(comp, comp.packages[family(host)], ctx)
                       + (comp.rbd_packages if _rbd(ctx) else ()), ctx)
        missing = [n for n in names if not host.package(n).is_installed]
        if missing:
            return failed(f"not installed: {', '.join(missing)}")
        return passed(", ".join(f"{n} {host.package(n).version}" for n in names))

    return probe


def _units(comp: Component) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        names = _names(_backend(comp, comp.units[family(host)], ctx), ctx)
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


def _ports(comp: Component) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        address = ctx.node.address
        wrong, shown = [], []
        ports = [p for p in comp.ports if not (_rbd(ctx) and str(p) in comp.lvm_only)]
        if not ports:
            return passed("no port to serve (cinder.backend ceph: qemu reaches Ceph itself)")
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


def _configs(comp: Component) -> Callable[[Any, CheckContext], Outcome]:
    def probe(host: Any, ctx: CheckContext) -> Outcome:
        wrong, shown = [], []
        for entry, group in comp.configs[family(host)]:
            path = _names((entry,), ctx)[0]
            f = host.file(path)
            if not f.exists:
                wrong.append(f"{path} is missing")
                continue
            owner, grp, mode = f.user, f.group, f.mode
            if owner != "root" or grp != group:
                wrong.append(f"{path} is owned {owner}:{grp}, expected root:{group}")
            if mode & 0o007:
                wrong.append(f"{path} is readable by others (mode {mode:04o}), expected 0640")
            shown.append(f"{path} {owner}:{grp} {mode:04o}")
        if wrong:
            return failed("; ".join(wrong))
        return passed(", ".join(shown))

    return probe


def _register() -> None:
    for comp in COMPONENTS:
        where = f"roles/{comp.role}"
        label = comp.group.replace("_", " ")
        groups = (comp.group,)
        check(f"{label} packages", groups=groups, where=where)(_packages(comp))
        check(f"{label} services", groups=groups, where=where)(_units(comp))
        if comp.ports:
            check(f"{label} ports", groups=groups, where=where)(_ports(comp))
        if comp.configs:
            check(f"{label} config files", groups=groups, where=where)(_configs(comp))


_register()

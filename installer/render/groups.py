"""Which inventory groups each node belongs to (topology roles + service components)."""

from __future__ import annotations

from installer.answers.model import Deployment

#: service component group -> (topology role that hosts it, service that enables it or None)
COMPONENT_GROUPS: dict[str, tuple[str, str | None]] = {
    "chrony_server": ("controller", None),
    "mariadb": ("controller", None),
    "rabbitmq": ("controller", None),
    "memcached": ("controller", None),
    "etcd": ("controller", None),
    "keystone": ("controller", "keystone"),
    "glance": ("controller", "glance"),
    "placement": ("controller", "placement"),
    "nova_controller": ("controller", "nova"),
    "neutron_server": ("controller", "neutron"),
    "cinder_controller": ("controller", "cinder"),
    "horizon": ("controller", "horizon"),
    "nova_compute": ("compute", "nova"),
    "neutron_agents": ("network", "neutron"),
    "cinder_volume": ("storage", "cinder"),
}


def inventory_groups(dep: Deployment) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for role in ("controller", "network", "compute", "storage"):
        groups[role] = [n.name for n in dep.nodes_with(role)]
    for group, (role, service) in COMPONENT_GROUPS.items():
        if service is None or service in dep.services:
            groups[group] = [n.name for n in dep.nodes_with(role)]
    controller = dep.controller.name
    groups["chrony_client"] = [n.name for n in dep.nodes if n.name != controller]
    if "neutron" in dep.services:
        groups["neutron_l2_agent"] = [
            n.name for n in dep.nodes if {"network", "compute"} & set(n.roles)
        ]
    groups.update(ceph_groups(dep))
    return groups


def ceph_groups(dep: Deployment) -> dict[str, list[str]]:
    """ceph_mon and ceph_osd (a deployed cluster), ceph_client (every user of RBD)."""
    if "cinder" not in dep.services or dep.cinder.backend != "ceph":
        return {}
    storage = [n.name for n in dep.nodes_with("storage")]
    clients = storage + [n.name for n in dep.nodes_with("compute") if "nova" in dep.services]
    groups = {"ceph_client": list(dict.fromkeys(clients))}
    if dep.ceph.mode == "deployed":
        groups["ceph_mon"] = storage[:1]
        groups["ceph_osd"] = storage
    return groups

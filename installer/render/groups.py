"""Which inventory groups each node belongs to (topology roles + service components)."""

from __future__ import annotations

from typing import Any

from installer import catalogue
from installer.answers.model import Deployment

#: The services of the TLS front door (HAProxy, the CA on every node): their groups exist only
#: with tls.mode other than off.
FRONT_DOOR_SERVICES = ("haproxy", "tls")


def inventory_groups(dep: Deployment) -> dict[str, list[str]]:
    """Topology groups, then every group of catalogue.yml whose service is installed."""
    cat = catalogue.load(dep.release)
    groups: dict[str, list[str]] = {
        role: [n.name for n in dep.nodes_with(role)] for role in catalogue.TOPOLOGY_ROLES
    }
    controller = dep.controller.name
    for name, group in cat.groups.items():
        service = cat.services[group.service]
        if not group.nodes or not (service.infra or service.name in dep.services):
            continue  # the ceph groups follow cinder.backend (ceph_groups)
        if service.name in FRONT_DOOR_SERVICES and not dep.tls.enabled:
            continue
        members = [n.name for n in dep.nodes
                   if (catalogue.OTHERS in group.nodes and n.name != controller)
                   or set(group.nodes) & set(n.roles)]
        groups[name] = members
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


def node_components(
    dep: Deployment, groups: dict[str, list[str]], settings: dict[str, Any]
) -> dict[str, list[str]]:
    """Each node's catalogue components: those of its groups that the rendered ``settings``
    select (the bootstrap phase installs all their packages in one transaction)."""
    cat = catalogue.load(dep.release)
    return {
        node.name: [comp.name for group, members in groups.items() if node.name in members
                    for comp in cat.in_group(group, settings)]
        for node in dep.nodes
    }

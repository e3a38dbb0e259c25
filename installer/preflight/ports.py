"""The TCP ports each node's services will listen on, and the units that own them.

Read from the service catalogue (installer/catalogue/catalogue.yml), like verify's port
checks. A port is free, or held by one of its ``units`` (a node already deployed), or a
problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from installer import catalogue
from installer.answers.model import Deployment, Node
from installer.render import group_vars
from installer.render.groups import inventory_groups


@dataclass(frozen=True)
class PortNeed:
    port: int
    service: str
    #: family (debian, ubuntu, redhat) -> units that listen on the port once deployed
    units: dict[str, tuple[str, ...]]

    def units_for(self, family: str) -> tuple[str, ...]:
        return self.units.get(family, self.units["debian"])


def port_needs(deployment: Deployment, node: Node) -> list[PortNeed]:
    """The ports ``node`` must have free (or held by their own units) for this deployment.

    From the service catalogue: every port of the components of the node's inventory
    groups that the deployment's settings select (LVM's iSCSI target only without Ceph).
    """
    cat = catalogue.load(deployment.release)
    settings = group_vars(deployment)
    needs: dict[int, PortNeed] = {}
    for group, members in inventory_groups(deployment).items():
        if node.name not in members:
            continue
        for comp in cat.in_group(group, settings):
            for port in comp.ports:
                needs.setdefault(port, PortNeed(port, comp.name.replace("_", " "),
                                                {f: comp.units[f] for f in catalogue.FAMILIES}))
    if node.name in inventory_groups(deployment).get("haproxy", []):
        _front_door(cat, deployment, needs)
    return list(needs.values())


def _front_door(cat: catalogue.Catalogue, deployment: Deployment,
                needs: dict[int, PortNeed]) -> None:
    """HAProxy holds every frontend's port on the controller's addresses (the services sit
    behind it on loopback): it is one of the units that may hold each of them."""
    haproxy = cat.components["haproxy"].units
    for frontend in cat.front_door.enabled(deployment.services):
        for port in (frontend.port, frontend.redirect_port):
            if not port:
                continue
            need = needs.get(port) or PortNeed(port, "the TLS front door", {})
            needs[port] = PortNeed(port, need.service, {
                f: tuple(dict.fromkeys(need.units.get(f, ()) + haproxy[f]))
                for f in catalogue.FAMILIES})


def units_of(deployment: Deployment, node: Node) -> list[str]:
    """Every unit named for the node's ports, any family (asked once per node)."""
    names = {u for need in port_needs(deployment, node) for us in need.units.values() for u in us}
    return sorted(names)

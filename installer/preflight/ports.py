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
    return list(needs.values())


def units_of(deployment: Deployment, node: Node) -> list[str]:
    """Every unit named for the node's ports, any family (asked once per node)."""
    names = {u for need in port_needs(deployment, node) for us in need.units.values() for u in us}
    return sorted(names)

"""The TCP ports each node's services will listen on, and the units that own them.

This is the one place preflight knows ports; it is meant to be switched to the service
catalogue (installer/catalogue) once that exists, by rewriting :func:`port_needs` only.
A port is free, or held by one of its ``units`` (a node already deployed), or a problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from installer.answers.model import Deployment, Node


@dataclass(frozen=True)
class PortNeed:
    port: int
    service: str
    #: family (debian, ubuntu, redhat) -> units that listen on the port once deployed
    units: dict[str, tuple[str, ...]]

    def units_for(self, family: str) -> tuple[str, ...]:
        return self.units.get(family, self.units["debian"])


def _need(port: int, service: str, debian: str, redhat: str | None = None,
          ubuntu: str | None = None) -> PortNeed:
    """Unit names are space-separated; redhat and ubuntu default to debian's."""
    return PortNeed(port, service, {"debian": tuple(debian.split()),
                                    "ubuntu": tuple((ubuntu or debian).split()),
                                    "redhat": tuple((redhat or debian).split())})


#: (topology role, OpenStack service that must be enabled or None for always, the need)
_TABLE: tuple[tuple[str, str | None, PortNeed], ...] = (
    ("controller", None, _need(3306, "mariadb", "mariadb")),
    ("controller", None, _need(5672, "rabbitmq", "rabbitmq-server")),
    ("controller", None, _need(11211, "memcached", "memcached")),
    ("controller", None, _need(2379, "etcd", "etcd")),
    ("controller", None, _need(2380, "etcd", "etcd")),
    ("controller", "keystone", _need(5000, "keystone", "keystone", "httpd", "apache2")),
    ("controller", "glance", _need(9292, "glance-api", "glance-api", "openstack-glance-api")),
    ("controller", "placement", _need(8778, "placement-api", "placement-api", "httpd",
                                      "apache2")),
    ("controller", "nova", _need(8774, "nova-api", "nova-api", "openstack-nova-api")),
    ("controller", "nova", _need(8775, "nova metadata API", "nova-api-metadata nova-api",
                                 "openstack-nova-metadata-api openstack-nova-api")),
    ("controller", "nova", _need(6080, "nova-novncproxy", "nova-novncproxy",
                                 "openstack-nova-novncproxy")),
    ("controller", "neutron", _need(9696, "neutron-server", "neutron-api", "neutron-server",
                                    "neutron-server")),
    ("controller", "cinder", _need(8776, "cinder-api", "cinder-api", "openstack-cinder-api httpd",
                                   "apache2")),
    ("controller", "horizon", _need(80, "horizon", "apache2", "httpd")),
)

#: LVM's iSCSI target on storage nodes (cinder.backend loop or device, not ceph).
_ISCSI = _need(3260, "iSCSI target", "tgt", "target")


def port_needs(deployment: Deployment, node: Node) -> list[PortNeed]:
    """The ports ``node`` must have free (or held by their own units) for this deployment."""
    services = set(deployment.services)
    needs = [need for role, service, need in _TABLE
             if role in node.roles and (service is None or service in services)]
    if ("storage" in node.roles and "cinder" in services
            and deployment.cinder.backend in ("loop", "device")):
        needs.append(_ISCSI)
    return needs


def units_of(deployment: Deployment, node: Node) -> list[str]:
    """Every unit named for the node's ports, any family (asked once per node)."""
    names = {u for need in port_needs(deployment, node) for us in need.units.values() for u in us}
    return sorted(names)

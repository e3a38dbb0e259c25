"""Built-in checks; importing this package registers them in ``installer.verify.registry``."""

from installer.verify.checks import (
    base,
    ceph,
    chrony,
    etcd,
    mariadb,
    memcached,
    neutron_agent,
    openstack_api,
    openstack_nodes,
    rabbitmq,
)
from installer.verify.registry import REGISTRY, Check


def builtin_checks() -> list[Check]:
    """Every built-in check (their modules registered them when this package was imported)."""
    return list(REGISTRY)


__all__ = [
    "base",
    "builtin_checks",
    "ceph",
    "chrony",
    "etcd",
    "mariadb",
    "memcached",
    "neutron_agent",
    "openstack_api",
    "openstack_nodes",
    "rabbitmq",
]

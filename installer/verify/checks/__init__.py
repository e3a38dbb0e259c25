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

__all__ = [
    "base",
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

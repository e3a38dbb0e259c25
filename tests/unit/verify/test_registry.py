import pytest

from installer.verify.checks import builtin_checks
from installer.verify.registry import Check, passed, plan, select


def _noop(host, ctx):
    return passed()


CHECKS = [
    Check("everywhere", ("all",), _noop),
    Check("db", ("mariadb",), _noop),
    Check("time", ("chrony_server", "chrony_client"), _noop),
    Check("compute", ("nova_compute",), _noop),
]


def test_checks_are_selected_by_inventory_group():
    assert [c.name for c in select(CHECKS, {"all", "mariadb", "chrony_server"})] == [
        "everywhere", "db", "time",
    ]
    assert [c.name for c in select(CHECKS, {"all", "chrony_client"})] == ["everywhere", "time"]


def test_groups_missing_from_the_inventory_run_nothing():
    schedule = plan(CHECKS, {"n1": {"all", "mariadb"}, "n2": {"all"}})
    assert [c.name for c in schedule["n1"]] == ["everywhere", "db"]
    assert [c.name for c in schedule["n2"]] == ["everywhere"]
    assert not any(c.name == "compute" for checks in schedule.values() for c in checks)


def test_builtin_checks_cover_the_infra_services_by_group():
    builtin = {c.name: c for c in builtin_checks()}
    expected_groups = {
        "hostname": ("all",),
        "mariadb bind address": ("mariadb",),
        "rabbitmq openstack user": ("rabbitmq",),
        "memcached listener": ("memcached",),
        "etcd health": ("etcd",),
        "chrony follows controller": ("chrony_client",),
        "chrony serves network": ("chrony_server",),
        "keystone services": ("keystone",),
        "nova compute services": ("nova_compute",),
        "neutron agents config files": ("neutron_agents",),
        "cinder volume packages": ("cinder_volume",),
        "horizon ports": ("horizon",),
        "api compute services": ("nova_controller",),
        "api network agents": ("neutron_server",),
        "horizon login page": ("horizon",),
    }
    for name, groups in expected_groups.items():
        assert builtin[name].groups == groups
    assert all(c.where.startswith("roles/") for c in builtin.values())


def test_duplicate_names_are_refused():
    from installer.verify.registry import check

    builtin_checks()
    with pytest.raises(ValueError):
        check("hostname", groups=("all",))(_noop)

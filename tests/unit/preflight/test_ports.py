from installer.preflight.ports import port_needs, units_of

from .conftest import make_deployment, node


def ports(dep, name):
    return [n.port for n in port_needs(dep, node(dep, name))]


def test_controller_needs_infra_and_every_enabled_api(deployment):
    assert ports(deployment, "openstack1") == [
        3306, 5672, 11211, 2379, 2380, 5000, 9292, 8778, 8774, 8775, 6080, 9696, 8776, 80, 443]
    assert ports(deployment, "openstack2") == [] and ports(deployment, "openstack3") == []


def test_haproxy_may_hold_every_front_door_port(deployment):
    """With TLS HAProxy holds the APIs' ports on the controller's addresses: preflight of a
    deployed controller accepts it there, as it accepts the service's own units."""
    needs = {n.port: n for n in port_needs(deployment, deployment.controller)}
    assert "haproxy" in needs[5000].units_for("debian") and "keystone" in needs[5000].units_for(
        "debian")
    assert needs[443].units_for("redhat") == ("haproxy",)
    assert "apache2" in needs[80].units_for("debian") and "haproxy" in needs[80].units_for(
        "debian")


def test_disabled_services_need_no_port(tmp_path):
    dep = make_deployment(tmp_path, services=["keystone", "glance", "placement"])
    assert ports(dep, "openstack1") == [3306, 5672, 11211, 2379, 2380, 5000, 9292, 8778, 443]


def test_iscsi_target_on_storage_only_with_lvm(tmp_path, deployment):
    assert ports(deployment, "openstack4") == [3260]  # backend loop
    ceph = make_deployment(tmp_path, cinder={"backend": "ceph"})
    assert ports(ceph, "openstack4") == []


def test_units_per_family():
    dep_need = {n.port: n for n in port_needs(*_controller())}
    assert dep_need[5000].units_for("debian") == ("keystone", "haproxy")
    assert dep_need[5000].units_for("ubuntu") == ("apache2", "haproxy")
    assert dep_need[9292].units_for("ubuntu") == ("glance-api", "haproxy")
    assert dep_need[5000].units_for("redhat") == ("httpd", "haproxy")
    assert "nova-api-metadata" in units_of(*_controller())


def _controller():
    import tempfile
    from pathlib import Path

    dep = make_deployment(Path(tempfile.mkdtemp()))
    return dep, node(dep, "openstack1")

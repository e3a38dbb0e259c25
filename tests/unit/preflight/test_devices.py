from installer.preflight.devices import device_uses, devices_to_check

from .conftest import make_deployment, node


def test_cinder_device_on_storage_nodes_only(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "device", "device": "/dev/sdb"})
    assert device_uses(dep, node(dep, "openstack4")) == [("/dev/sdb", "cinder.device")]
    assert device_uses(dep, node(dep, "openstack1")) == []


def test_ceph_osd_devices_when_deployed(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "ceph"},
                          ceph={"osd_devices": ["/dev/sdc", "/dev/sdd"]})
    assert devices_to_check(dep, node(dep, "openstack4")) == ["/dev/sdc", "/dev/sdd"]


def test_no_device_for_loop_file_osd_or_external_ceph(tmp_path, deployment):
    assert device_uses(deployment, node(deployment, "openstack4")) == []
    file_osd = make_deployment(tmp_path, cinder={"backend": "ceph"})
    assert device_uses(file_osd, node(file_osd, "openstack4")) == []

from installer.preflight.checks.devices import (
    block_devices,
    device_problems,
    kvm,
    provider_interface,
)
from installer.preflight.facts import DeviceFacts
from installer.preflight.findings import Status

from ..conftest import context, facts_of, make_deployment, with_facts


def test_kvm_only_asked_on_compute_with_virt_type_kvm(tmp_path, deployment):
    assert kvm(context(deployment, "openstack1")) == []
    [f] = kvm(context(deployment, "openstack3"))  # the sample says kvm; the lab node has none
    assert f.status is Status.FAIL and "nova.virt_type: qemu" in f.fix
    qemu = make_deployment(tmp_path, nova={"virt_type": "qemu"})
    assert kvm(context(qemu, "openstack3")) == []
    with_kvm = with_facts(facts_of("openstack3"), kvm=True)
    assert kvm(context(deployment, "openstack3", with_kvm))[0].status is Status.PASS


def test_provider_interface_on_network_and_compute_nodes(tmp_path, deployment):
    assert provider_interface(context(deployment, "openstack1")) == []
    assert provider_interface(context(deployment, "openstack2"))[0].status is Status.PASS
    dep = make_deployment(tmp_path, network={"provider_interface": "ens7"})
    [f] = provider_interface(context(dep, "openstack3"))
    assert f.status is Status.FAIL
    assert f.found == "no ens7; interfaces: eth0, eth1" and "one of: eth0, eth1" in f.fix


def test_device_problems():
    assert device_problems(DeviceFacts("/dev/sdb", "block", (("/dev/sdb", "disk", "", ""),)))\
        == []
    assert device_problems(DeviceFacts("/dev/null", "not-block")) == ["is not a block device"]
    assert device_problems(DeviceFacts("/dev/sdz", "missing")) == ["does not exist"]
    mounted = DeviceFacts("/dev/vda", "block", (("/dev/vda", "disk", "/", ""),))
    assert device_problems(mounted) == ["is mounted (/dev/vda on /)"]
    used = DeviceFacts("/dev/sdb", "block", (("/dev/sdb", "disk", "", "LVM2_member"),
                                            ("/dev/mapper/vg-lv", "lvm", "", "")),
                       holders=("dm-0",))
    assert device_problems(used) == ["has partitions or volumes: /dev/mapper/vg-lv (lvm)",
                                     "carries a LVM2_member signature", "is held by dm-0"]


def test_cinder_device_findings_on_the_storage_node(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "device", "device": "/dev/null"})
    [f] = block_devices(context(dep, "openstack4"))
    assert (f.check, f.status) == ("device /dev/null", Status.FAIL)
    assert f.found == "/dev/null is not a block device" and "cinder.device" in f.expected
    assert block_devices(context(dep, "openstack1")) == []


def test_ceph_osd_device_that_is_free_passes(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "ceph"},
                          ceph={"osd_devices": ["/dev/sdc"]})
    free = DeviceFacts("/dev/sdc", "block", (("/dev/sdc", "disk", "", ""),))
    facts = with_facts(facts_of("openstack4"), devices={"/dev/sdc": free})
    [f] = block_devices(context(dep, "openstack4", facts))
    assert f.status is Status.PASS and "ceph.osd_devices" in f.expected
    missing = block_devices(context(dep, "openstack4"))[0]  # not asked: counted as missing
    assert missing.status is Status.FAIL


def _pv_of(group: str) -> DeviceFacts:
    """/dev/vdb as the lab's storage VM had it after a first deploy with one volume."""
    return DeviceFacts("/dev/vdb", "block",
                       (("/dev/vdb", "disk", "", "LVM2_member"),
                        ("/dev/mapper/cinder--volumes-volume--69c0", "lvm", "", "")),
                       "LVM2_member", ("dm-0",), group)


def test_the_deployments_own_volume_group_device_passes_on_a_re_run(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "device", "device": "/dev/vdb"})
    facts = with_facts(facts_of("openstack4"), devices={"/dev/vdb": _pv_of("cinder-volumes")})
    [f] = block_devices(context(dep, "openstack4", facts))
    assert f.status is Status.PASS
    assert f.found == "/dev/vdb: already the physical volume of cinder-volumes (a deploy " \
                      "before this one)"


def test_a_device_of_another_volume_group_is_still_refused(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "device", "device": "/dev/vdb"})
    facts = with_facts(facts_of("openstack4"), devices={"/dev/vdb": _pv_of("data")})
    [f] = block_devices(context(dep, "openstack4", facts))
    assert f.status is Status.FAIL and "carries a LVM2_member signature" in f.found


def _osd_device(signature: str, osd: str) -> DeviceFacts:
    """/dev/vdc after a first deploy gave it to an OSD (BlueStore on the raw device)."""
    return DeviceFacts("/dev/vdc", "block", (("/dev/vdc", "disk", "", signature),),
                       signature, (), "", osd)


def test_the_deployments_own_osd_device_passes_on_a_re_run(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "ceph"},
                          ceph={"osd_devices": ["/dev/vdc"]})
    mine = _osd_device("ceph_bluestore", "/var/lib/ceph/osd/ceph-0")
    facts = with_facts(facts_of("openstack4"), devices={"/dev/vdc": mine})
    [f] = block_devices(context(dep, "openstack4", facts))
    assert f.status is Status.PASS
    assert f.found == ("/dev/vdc: already the block of OSD /var/lib/ceph/osd/ceph-0 (a deploy "
                       "before this one)")


def test_an_osd_device_of_no_osd_here_or_reformatted_is_still_refused(tmp_path):
    dep = make_deployment(tmp_path, cinder={"backend": "ceph"},
                          ceph={"osd_devices": ["/dev/vdc"]})
    for device in (_osd_device("ceph_bluestore", ""),  # another cluster's, or a moved disk
                   _osd_device("xfs", "/var/lib/ceph/osd/ceph-0")):
        facts = with_facts(facts_of("openstack4"), devices={"/dev/vdc": device})
        [f] = block_devices(context(dep, "openstack4", facts))
        assert f.status is Status.FAIL and f"carries a {device.signature} signature" in f.found

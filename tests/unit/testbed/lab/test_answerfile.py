"""The lab's answer file is written by the real generator and read back by the real loader."""

from __future__ import annotations

from installer.answers import load
from installer.testbed.lab.answerfile import plan_from_answer_file, write_lab_answers
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.topology import plan_default


def test_lab_answer_file_is_valid_and_targets_the_lab(tmp_path):
    plan = plan_default("citest", 4, "10.219.0.0/24")
    paths = LabPaths.for_lab("citest", tmp_path)
    answers, secrets, written = write_lab_answers(plan, paths)
    assert written and answers == paths.answers and secrets.exists()
    dep = load(answers)
    assert dep.name == "citest"
    assert [(n.name, n.address, n.roles) for n in dep.nodes] == [
        (n.name, n.address, n.roles) for n in plan.nodes
    ]
    assert dep.network.management_cidr == "10.219.0.0/24"
    assert dep.network.provider_interface == "eth1"
    assert dep.ssh.user == "root" and dep.ssh.private_key == str(paths.private_key)
    assert dep.repos.proxy == "http://10.219.0.1:3142"
    assert dep.nova.virt_type == "qemu"
    assert dep.ntp.servers == ()
    # volumes on Ceph (no device-mapper for LVM here); floating IPs on the provider bridge,
    # whose own address is the routers' gateway
    assert dep.cinder.backend == "ceph" and dep.ceph.mode == "deployed"
    assert dep.network.provider_cidr == plan.provider_cidr
    assert dep.network.provider_gateway == plan.provider_bridge_address


def test_second_write_keeps_the_answer_file_and_its_secrets(tmp_path):
    plan = plan_default("citest", 2, "10.219.0.0/24")
    paths = LabPaths.for_lab("citest", tmp_path)
    write_lab_answers(plan, paths)
    before = paths.secrets.read_text()
    _a, _s, written = write_lab_answers(plan, paths)
    assert not written
    assert paths.secrets.read_text() == before


def test_topology_of_an_answer_file_round_trips(tmp_path):
    plan = plan_default("x", 3, "10.219.0.0/24")
    paths = LabPaths.for_lab("x", tmp_path)
    write_lab_answers(plan, paths)
    paths.secrets.unlink()  # only the topology is needed to create nodes
    again = plan_from_answer_file("x", paths.answers)
    assert again == plan


def _vm_plan(choice, suite="trixie"):
    from dataclasses import replace

    from installer.testbed.lab.topology import VmSpec, with_vms

    plan = replace(plan_default("hyt", 4, "10.209.0.0/24"), suite=suite)
    return with_vms(plan, choice, VmSpec()) if choice else plan


def test_a_storage_vm_gets_lvm_on_its_data_disk(tmp_path):
    from installer.testbed.lab.vm import DATA_DISK_DEVICE

    paths = LabPaths.for_lab("hyt", tmp_path)
    write_lab_answers(_vm_plan(["storage"]), paths)
    dep = load(paths.answers)
    assert (dep.cinder.backend, dep.cinder.device) == ("device", DATA_DISK_DEVICE)
    assert dep.nova.virt_type == "qemu"  # the compute node is a container: no KVM there


def test_the_data_disk_passes_the_catalogues_device_pattern():
    import re

    from installer import catalogue
    from installer.testbed.lab.vm import DATA_DISK_DEVICE

    assert re.fullmatch(catalogue.load().patterns["device"], DATA_DISK_DEVICE)


def test_a_compute_vm_gets_the_virt_type_its_probe_found(tmp_path):
    kvm = LabPaths.for_lab("kvm", tmp_path)
    write_lab_answers(_vm_plan(["compute"]), kvm, virt_type="kvm")
    assert load(kvm.answers).nova.virt_type == "kvm"
    assert load(kvm.answers).cinder.backend == "ceph"  # the storage node is a container
    unprobed = LabPaths.for_lab("qemu", tmp_path)
    write_lab_answers(_vm_plan(["compute"]), unprobed)
    assert load(unprobed.answers).nova.virt_type == "qemu"


def test_a_container_lab_keeps_its_defaults_whatever_the_probe(tmp_path):
    paths = LabPaths.for_lab("ct", tmp_path)
    write_lab_answers(_vm_plan(None), paths, virt_type="kvm")
    dep = load(paths.answers)
    assert (dep.nova.virt_type, dep.cinder.backend) == ("qemu", "ceph")


def test_the_hybrid_lab_on_zed_keeps_linuxbridge(tmp_path):
    paths = LabPaths.for_lab("zed", tmp_path)
    write_lab_answers(_vm_plan(["compute", "storage"], "bookworm"), paths, virt_type="kvm")
    dep = load(paths.answers)
    assert dep.network.mechanism_driver == "linuxbridge"
    assert (dep.nova.virt_type, dep.cinder.backend) == ("kvm", "device")

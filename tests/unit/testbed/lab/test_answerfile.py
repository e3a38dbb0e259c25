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

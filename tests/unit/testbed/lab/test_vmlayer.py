"""The lab cache's package plan: a VM node's layer is what the deploy installs on it, read
from the catalogue through the lab's own answer settings (no second list)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from installer import catalogue
from installer.testbed.lab import vmimage
from installer.testbed.lab.answerfile import lab_settings
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.topology import VmSpec, plan_default, with_vms
from installer.testbed.lab.vmlayer import node_packages, node_units, planned_deployment


def _hybrid(tmp_path, suite: str, virt_type: str = "kvm"):
    plan = replace(plan_default("hyt", 4, "10.209.0.0/24"), suite=suite)
    plan = with_vms(plan, ["compute", "storage"], VmSpec())
    settings = lab_settings(plan, LabPaths.for_lab("hyt", tmp_path), virt_type=virt_type)
    return plan, planned_deployment([(n.name, n.address, n.roles) for n in plan.nodes],
                                    settings)


def _catalogue_packages(release: str, *components: str) -> set[str]:
    cat = catalogue.load(release)
    return {p for c in components for p in cat.components[c].packages["debian"]}


@pytest.mark.parametrize(("suite", "l2"), [("trixie", "neutron_openvswitch_agent"),
                                           ("bookworm", "neutron_linuxbridge_agent")])
def test_the_compute_layer_is_its_catalogue_components(tmp_path, suite, l2):
    plan, dep = _hybrid(tmp_path, suite)
    compute = next(n.name for n in plan.nodes if "compute" in n.roles)
    # tls_ca: the CA's trust store tools on every node (TLS is on by default)
    expected = _catalogue_packages(dep.release, "chrony_client", "tls_ca", "nova_compute",
                                   "nova_compute_kvm", "libvirt", "nova_configdrive", l2)
    assert set(node_packages(dep, compute)) == expected
    # qemu's package and the RBD client belong to other settings
    assert "nova-compute-qemu" not in node_packages(dep, compute)
    assert "ceph-common" not in node_packages(dep, compute)
    assert {"nova-compute", "libvirtd"} <= set(node_units(dep, compute))


def test_a_compute_planned_with_qemu_gets_qemus_package(tmp_path):
    plan, dep = _hybrid(tmp_path, "trixie", virt_type="qemu")
    compute = next(n.name for n in plan.nodes if "compute" in n.roles)
    assert "nova-compute-qemu" in node_packages(dep, compute)
    assert "nova-compute-kvm" not in node_packages(dep, compute)


def test_the_storage_layer_is_lvm_and_its_iscsi_target(tmp_path):
    plan, dep = _hybrid(tmp_path, "trixie")
    storage = next(n.name for n in plan.nodes if "storage" in n.roles)
    assert set(node_packages(dep, storage)) == _catalogue_packages(
        "epoxy", "chrony_client", "tls_ca", "cinder_volume", "cinder_lvm")
    assert {"cinder-volume", "tgt"} <= set(node_units(dep, storage))


def test_packages_are_sorted_once_and_the_layer_key_follows_them(tmp_path):
    plan, dep = _hybrid(tmp_path, "trixie")
    keys = set()
    for node in plan.nodes:
        packages = node_packages(dep, node.name)
        assert list(packages) == sorted(set(packages))
        keys.add(vmimage.VmImageSpec("trixie", "http://m/debian", layer=packages).key)
    assert len(keys) == len(plan.nodes)  # every role set its own cache entry


def test_the_plan_is_the_answer_file_the_lab_writes(tmp_path):
    from installer.answers import load
    from installer.testbed.lab.answerfile import write_lab_answers

    plan, dep = _hybrid(tmp_path, "trixie")
    paths = LabPaths.for_lab("hyt", tmp_path)
    write_lab_answers(plan, paths, virt_type="kvm")
    written = load(paths.answers)
    for node in plan.nodes:
        assert node_packages(written, node.name) == node_packages(dep, node.name)

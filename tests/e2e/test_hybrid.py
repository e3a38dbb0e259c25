"""End to end: the hybrid lab with real kernels (Debian 13, Epoxy).

Controller and network are containers; compute and storage are qemu VMs (TCG here) whose
images carry their roles' packages pre-installed (the lab cache). The lab's answer file then
holds the real-server defaults: cinder's LVM on the storage VM's data disk exported over
iSCSI, ``nova.virt_type: kvm`` when the compute VM has /dev/kvm, Open vSwitch on the kernel
datapath on the VMs. The test deploys it, runs ``verify --smoke`` and prints the figures.

Opt-in (``STACKINSTALL_E2E_HYBRID=1``; slow under TCG, never in CI). Its own lab:
``$STACKINSTALL_E2E_HYBRID_LAB`` (default ``hyb``) on ``$STACKINSTALL_E2E_HYBRID_SUBNET``
(default ``10.209.0.0/24``); a lab already up is used and left up, one brought up here is
taken down. Run alone: ``STACKINSTALL_E2E_HYBRID=1 pytest -m lab -s tests/e2e/test_hybrid.py``
(as root).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from deploycli import failures, lab_under_test, last_summary, ok, on, verify_json
from labcli import skip_unless_lab_host

from installer.testbed.lab.vm import DATA_DISK_DEVICE

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

if os.environ.get("STACKINSTALL_E2E_HYBRID") != "1":
    pytest.skip("the hybrid lab deploys onto qemu VMs (TCG here, slow): set "
                "STACKINSTALL_E2E_HYBRID=1 to run", allow_module_level=True)
skip_unless_lab_host()

LAB = os.environ.get("STACKINSTALL_E2E_HYBRID_LAB", "hyb")
SUBNET = os.environ.get("STACKINSTALL_E2E_HYBRID_SUBNET", "10.209.0.0/24")
CONTROLLER, COMPUTE, STORAGE = "openstack1", "openstack3", "openstack4"


def figure(text: str) -> None:
    print(f"\nFIGURE {time.strftime('%Y-%m-%d')} {text}")


@pytest.fixture(scope="module")
def answers():
    started = time.monotonic()
    yield from lab_under_test(LAB, SUBNET, "--suite", "trixie", "--vm", "compute,storage",
                              "--vm-cpus", "2", "--vm-memory", "3072",
                              down_args=("--keep-image",))
    figure(f"hybrid lab, whole module: {time.monotonic() - started:.0f} s")


def test_the_answer_file_has_the_real_server_defaults(answers: Path):
    settings = yaml.safe_load(answers.read_text())
    assert settings["cinder"]["backend"] == "device"
    assert settings["cinder"]["device"] == DATA_DISK_DEVICE
    has_kvm = on(LAB, COMPUTE, "test -c /dev/kvm && echo yes || echo no") == "yes"
    assert settings["nova"]["virt_type"] == ("kvm" if has_kvm else "qemu")
    # the layer: the compute VM's image already holds nova-compute, left disabled
    assert on(LAB, COMPUTE, "dpkg-query -W -f '${Status}' nova-compute").endswith("installed")


def test_the_hybrid_lab_deploys_and_passes_the_smoke(answers: Path):
    ok("deploy", str(answers), timeout=3 * 3600)
    summary = last_summary(answers)
    assert summary["status"] == "successful"
    figure("hybrid deploy (s): " + str({p["name"]: p["duration_s"] for p in summary["phases"]})
           + f" total {summary['duration_s']}")
    # the real kernels did what the containers cannot
    assert "system" in on(LAB, COMPUTE, "ovs-vsctl get bridge br-int datapath_type")
    assert on(LAB, STORAGE, "vgs --noheadings -o vg_name").strip()
    assert on(LAB, STORAGE, "systemctl is-active tgt") == "active"

    code, report = verify_json(answers, "--smoke", timeout=3600)
    statuses = {(r["node"], r["check"]): r["status"] for r in report["results"]}
    figure(f"hybrid verify --smoke: {report['passed']} of {len(report['results'])} passed")
    for expected in ("smoke: reach the guest over SSH by its floating IP",
                     "smoke: attach the volume to it and read the data back"):
        assert statuses.get((CONTROLLER, expected)) == "pass", (expected, failures(report))
    assert code == 0 and report["status"] == "passed", failures(report)

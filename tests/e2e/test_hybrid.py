"""End to end: the hybrid lab with real kernels, for each release (Debian 13 Epoxy, then
Debian 12 Zed).

Controller and network are containers; compute and storage are qemu VMs (TCG here) whose
images carry their roles' packages pre-installed (the lab cache). The lab's answer file then
holds the real-server defaults: cinder's LVM on the storage VM's data disk exported over
iSCSI, ``nova.virt_type: kvm`` when the compute VM has /dev/kvm; on Epoxy Open vSwitch on
the kernel datapath of the VMs, on Zed linuxbridge with br_netfilter loaded in the compute
VM. Each release deploys, runs ``verify --smoke`` (no step blocked, the guest under nova's
virt_type), re-runs with ``changed=0`` and prints the figures.

Opt-in (``STACKINSTALL_E2E_HYBRID=1``; slow under TCG, never in CI). Its own labs:
``$STACKINSTALL_E2E_HYBRID_LAB`` (default ``hyb``) with the release's suffix (``hybe``,
``hybz``) on ``$STACKINSTALL_E2E_HYBRID_SUBNET`` (default ``10.209.0.0/24``; Zed one /23
further, ``10.209.2.0/24``); ``$STACKINSTALL_E2E_HYBRID_RELEASES`` narrows the releases
(``epoxy``, ``zed``, comma-separated). A lab already up is used and left up, one brought up
here is taken down. Run alone: ``STACKINSTALL_E2E_HYBRID=1 pytest -m lab -s
tests/e2e/test_hybrid.py`` (as root).
"""

from __future__ import annotations

import ipaddress
import os
import time
from pathlib import Path

import pytest
import yaml
from deploycli import failures, lab_under_test, last_summary, ok, unchanged, verify_json
from deploycli import on as on_node
from labcli import skip_unless_lab_host

from installer.testbed.lab.vm import DATA_DISK_DEVICE

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

if os.environ.get("STACKINSTALL_E2E_HYBRID") != "1":
    pytest.skip("the hybrid lab deploys onto qemu VMs (TCG here, slow): set "
                "STACKINSTALL_E2E_HYBRID=1 to run", allow_module_level=True)
skip_unless_lab_host()

LAB = os.environ.get("STACKINSTALL_E2E_HYBRID_LAB", "hyb")
SUBNET = os.environ.get("STACKINSTALL_E2E_HYBRID_SUBNET", "10.209.0.0/24")
#: release -> (Debian suite, lab-name suffix, /24 blocks after SUBNET: management+provider)
RELEASES = {"epoxy": ("trixie", "e", 0), "zed": ("bookworm", "z", 2)}
WANTED = [r.strip() for r in os.environ.get("STACKINSTALL_E2E_HYBRID_RELEASES",
                                            ",".join(RELEASES)).split(",") if r.strip()]
CONTROLLER, COMPUTE, STORAGE = "openstack1", "openstack3", "openstack4"


def on(lab: str, node: str, command: str) -> str:
    """What ``command`` printed on ``node``, without the trailing newline."""
    return on_node(lab, node, command).strip()


def _subnet(blocks: int) -> str:
    net = ipaddress.ip_network(SUBNET)
    return str(ipaddress.ip_network((int(net.network_address) + blocks * 256, net.prefixlen)))


def figure(text: str) -> None:
    print(f"\nFIGURE {time.strftime('%Y-%m-%d')} {text}")


@pytest.fixture(scope="module", params=[r for r in RELEASES if r in WANTED])
def release(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def lab(release: str) -> str:
    return LAB + RELEASES[release][1]


@pytest.fixture(scope="module")
def answers(release: str, lab: str):
    suite, _, blocks = RELEASES[release]
    started = time.monotonic()
    yield from lab_under_test(lab, _subnet(blocks), "--suite", suite, "--vm", "compute,storage",
                              "--vm-cpus", "2", "--vm-memory", "3072",
                              down_args=("--keep-image",))
    figure(f"hybrid lab {release}, whole module: {time.monotonic() - started:.0f} s")


def test_the_answer_file_has_the_real_server_defaults(answers: Path, lab: str, release: str):
    settings = yaml.safe_load(answers.read_text())
    assert settings["deployment"]["release"] == release
    assert settings["cinder"]["backend"] == "device"
    assert settings["cinder"]["device"] == DATA_DISK_DEVICE
    has_kvm = on(lab, COMPUTE, "test -c /dev/kvm && echo yes || echo no") == "yes"
    assert settings["nova"]["virt_type"] == ("kvm" if has_kvm else "qemu")
    # the layer: the compute VM's image already holds nova-compute, left disabled
    assert on(lab, COMPUTE, "dpkg-query -W -f '${Status}' nova-compute").endswith("installed")


def test_the_hybrid_lab_deploys_and_passes_the_smoke(answers: Path, lab: str, release: str):
    settings = yaml.safe_load(answers.read_text())
    ok("deploy", str(answers), timeout=3 * 3600)
    summary = last_summary(answers)
    assert summary["status"] == "successful"
    phases = {p["name"]: p["duration_s"] for p in summary["phases"]}
    figure(f"hybrid {release} deploy (s): {phases} total {summary['duration_s']}")
    # the real kernels did what the containers cannot
    if settings["network"].get("mechanism_driver") == "openvswitch":
        assert "system" in on(lab, COMPUTE, "ovs-vsctl get bridge br-int datapath_type")
    else:
        assert on(lab, COMPUTE, "lsmod | grep -c '^br_netfilter'") == "1"
        assert on(lab, COMPUTE, "sysctl -n net.bridge.bridge-nf-call-iptables") == "1"
    assert on(lab, STORAGE, "vgs --noheadings -o vg_name").strip()
    assert on(lab, STORAGE, "systemctl is-active tgt") == "active"

    code, report = verify_json(answers, "--smoke", timeout=3600)
    statuses = {(r["node"], r["check"]): r["status"] for r in report["results"]}
    figure(f"hybrid {release} verify --smoke: {report['passed']} of "
           f"{len(report['results'])} passed")
    for expected in ("smoke: reach the guest over SSH by its floating IP",
                     "smoke: attach the volume to it and read the data back"):
        assert statuses.get((CONTROLLER, expected)) == "pass", (expected, failures(report))
    assert code == 0 and report["status"] == "passed", failures(report)
    assert report["blocked"] == 0, failures(report)
    # the guest ran under the hypervisor nova was given (libvirt's domain type says so)
    boot = next(r["message"] for r in report["results"]
                if r["check"] == "smoke: boot a guest on the compute node")
    assert f"under {settings['nova']['virt_type']} (libvirt domain" in boot, boot
    steps = {r["check"].removeprefix("smoke: "): round(r["duration_s"], 1)
             for r in report["results"] if r["check"].startswith("smoke: ")}
    figure(f"hybrid {release} smoke steps (s): {steps}")


def test_a_second_deploy_changes_nothing_on_containers_or_vms(answers: Path, release: str):
    ok("deploy", str(answers), timeout=3600)
    rerun = last_summary(answers)
    assert rerun["status"] == "successful"
    assert unchanged(rerun) == {}, unchanged(rerun)
    assert {COMPUTE, STORAGE} <= set(rerun["hosts"])
    figure(f"hybrid {release} no-change re-run: {rerun['duration_s']} s")

"""End to end on Debian 13 (trixie) with OpenStack 2025.1 Epoxy, beside the Debian 12 Zed
lab of test_deploy.py: a four-node lab of its own, the full deploy (Open vSwitch on its
userspace datapath, Ceph 18), backup, changes and restore (backupflow.py), then
verify with the functional smoke (real guests over SSH by a
floating IP, a Ceph volume written by one guest and read by another), a re-run that
changes nothing and verify's shape. Destroy (nothing left, a second destroy changes nothing)
runs in CI on the all-in-one (test_allinone.py); here it is opt-in,
``STACKINSTALL_E2E_DESTROY=1``, and so is a deploy again on the destroyed nodes after it
(``STACKINSTALL_E2E_DEPLOY_AGAIN=1`` too).

The lab is ``$STACKINSTALL_E2E_EPOXY_LAB`` (default ``ep``) on
``$STACKINSTALL_E2E_EPOXY_SUBNET`` (default 10.235.0.0/24). A lab that is already up is
used as it is and left up; a lab this test brings up, it takes down.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from backupflow import backup_and_restore
from deploycli import (
    FOUR_NODES,
    OPT_IN_DEPLOY_AGAIN,
    OPT_IN_DESTROY,
    SECURITY_GROUP_STEP,
    deploy_again,
    deploy_dir,
    destroy_leaves_nothing,
    failures,
    has_br_netfilter,
    lab_under_test,
    last_summary,
    ok,
    on,
    skip_unless_deployed,
    unchanged,
    verify_json,
)
from labcli import skip_unless_lab_host
from rich.console import Console
from stallproxy import StallingProxy
from verifyshape import assert_same_json, assert_same_junit, run_verify

from installer.deploy.deploy import run_phases
from installer.deploy.options import RunOptions
from installer.deploy.phases import PHASES
from installer.errors import DeployFailed

pytestmark = [pytest.mark.lab, pytest.mark.e2e, skip_unless_deployed("epoxy")]

LAB = os.environ.get("STACKINSTALL_E2E_EPOXY_LAB", "ep")
SUBNET = os.environ.get("STACKINSTALL_E2E_EPOXY_SUBNET", "10.235.0.0/24")
CONTROLLER, STORAGE, COMPUTE = "openstack1", "openstack4", "openstack3"

skip_unless_lab_host()


@pytest.fixture(scope="module")
def answers():
    yield from lab_under_test(LAB, SUBNET, "--suite", "trixie", down_args=("--keep-image",))


def test_epoxy_deploys_passes_the_smoke_and_reruns_unchanged(answers: Path):
    settings = yaml.safe_load(answers.read_text())
    assert settings["deployment"]["release"] == "epoxy"
    assert settings["network"]["mechanism_driver"] == "openvswitch"
    assert "13" in on(LAB, CONTROLLER, ". /etc/os-release; echo $VERSION_ID")

    ok("deploy", str(answers))
    first = last_summary(answers)
    assert first["status"] == "successful"
    assert [p["name"] for p in first["phases"]] == list(PHASES)
    print("epoxy deploy (s):", {p["name"]: p["duration_s"] for p in first["phases"]},
          "total", first["duration_s"])
    # what runs is Epoxy: nova 31 on the compute node, Ceph 18 on the storage node
    assert on(LAB, COMPUTE, "dpkg-query -W -f '${Version}' nova-compute").startswith("2:31.")
    assert on(LAB, STORAGE, "dpkg-query -W -f '${Version}' ceph-osd").startswith("18.")

    # day 2 before the smoke: backup, change, restore; the smoke and the re-run below then
    # run on the restored cloud
    backup_and_restore(LAB, answers, busy=False)

    code, report = verify_json(answers, "--smoke")
    statuses = {(r["node"], r["check"]): r["status"] for r in report["results"]}
    not_passed = {k: v for k, v in statuses.items() if v != "pass"}
    if has_br_netfilter(LAB, COMPUTE):
        assert code == 0 and report["status"] == "passed", failures(report)
    else:
        assert set(not_passed) <= {(CONTROLLER, SECURITY_GROUP_STEP)}, failures(report)
        assert set(not_passed.values()) <= {"blocked"}, failures(report)
    smoke = [check for (node, check), status in statuses.items() if check.startswith("smoke: ")]
    assert len(smoke) >= 11, smoke
    for expected in ("smoke: reach the guest over SSH by its floating IP",
                     "smoke: attach the volume to it and read the data back",
                     "smoke: nothing left behind", "api network agents", "api catalog"):
        assert statuses.get((CONTROLLER, expected)) == "pass", (expected, failures(report))
    for expected in ("ceph cluster health", "ceph OSDs up and in"):
        assert statuses.get((STORAGE, expected)) == "pass", (expected, failures(report))
    print("epoxy verify --smoke:", report["passed"], "of", len(report["results"]), "passed")

    ok("deploy", str(answers))
    rerun = last_summary(answers)
    assert rerun["status"] == "successful"
    assert unchanged(rerun) == {}, unchanged(rerun)
    print("epoxy no-change re-run (s):", rerun["duration_s"])


def test_a_stalled_package_proxy_is_tried_twice_then_named(answers: Path, tmp_path: Path):
    """The index refresh against a proxy that never answers: two bounded attempts, then a
    failure naming the task (not the global task timeout); against one that recovers, the
    second attempt succeeds. The node's own proxy is put back afterwards."""
    proxy = urlsplit(yaml.safe_load(answers.read_text())["repos"]["proxy"])
    assert proxy.hostname and proxy.port
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / "bootstrap.yml").write_text(
        f"---\n- name: Bootstrap | package repositories\n  hosts: {STORAGE}\n"
        "  gather_facts: true\n  roles: [repos]\n")
    timeout = 15

    def refresh(url: str | None) -> None:
        extra = () if url is None else (
            "-e", f"repos_proxy={url}", "-e", f"repos_apt_index_timeout={timeout}")
        run_phases(deploy_dir(answers), ["bootstrap"],
                   RunOptions(limit=STORAGE, extra_cmdline=extra),
                   Console(file=io.StringIO()), playbooks_dir=playbooks)

    upstream = (proxy.hostname, proxy.port)
    with StallingProxy(proxy.hostname, upstream) as stalled, \
            pytest.raises(DeployFailed) as failed:
        refresh(stalled.url)
    (failure,) = failed.value.summary["failures"]
    assert failure["host"] == STORAGE
    assert failure["task"] == ("Refresh the apt package index again after a failed or "
                               "stalled attempt")
    assert f"Timed out after {timeout} second" in failure["message"], failure
    assert stalled.held >= 2, "both attempts reached the stalled proxy"
    print("stalled proxy: failed after (s)", failed.value.summary["duration_s"])

    with StallingProxy(proxy.hostname, upstream, stall_s=timeout / 2) as recovering:
        refresh(recovering.url)
    rescued = last_summary(answers)
    assert rescued["status"] == "successful"
    assert rescued["hosts"][STORAGE]["rescued"] == 1
    assert recovering.held >= 1 and recovering.forwarded >= 1
    print("recovering proxy: succeeded after (s)", rescued["duration_s"])

    refresh(None)  # the answer file's proxy again
    assert proxy.geturl() in on(LAB, STORAGE, "cat /etc/apt/apt.conf.d/90stackinstall-proxy")


def test_verify_reports_what_it_did_before_the_move_to_pytest(answers: Path, tmp_path: Path):
    """Issue 13: on this lab (tx's layout), verify's JSON and JUnit have the shape, checks
    and statuses of the capture taken before the node checks became testinfra modules."""
    report, junit = run_verify(answers, tmp_path)
    assert_same_json(report)
    assert_same_junit(junit)


@OPT_IN_DESTROY
def test_destroy_leaves_nothing(answers: Path):
    """Issue 12 on Debian 13: destroy (Open vSwitch, Ceph 18 and all) leaves nothing on any
    node, the answer and secrets files as they were; a second destroy changes nothing. Last
    but one in the module: it leaves the lab's nodes up with nothing deployed."""
    destroy_leaves_nothing(LAB, answers, FOUR_NODES)


@OPT_IN_DESTROY
@OPT_IN_DEPLOY_AGAIN
def test_deploy_works_again_after_destroy(answers: Path):
    """A fresh deploy on the destroyed nodes, and its re-run changed=0 (after the test above;
    it leaves the lab deployed again)."""
    deploy_again(answers)

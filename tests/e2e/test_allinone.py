"""End to end: the all-in-one, one node that is controller, network, compute and storage
(Packstack's signature layout). A one-node lab of its own, the full deploy with Ceph on the
same node, `verify --browser --smoke` (a guest on the node itself reached by its floating IP,
a Ceph volume written and read back, security groups, config drive, the dashboard), a re-run
that changes nothing, ``deploy --plan`` saying nothing to do, then destroy on that one node
(nothing left, a second destroy changes nothing).

CI runs it on Debian 13 with Epoxy. ``STACKINSTALL_E2E_ALLINONE_SUITE=bookworm`` runs it on
Debian 12 with Zed instead (a local run; `.ci/run` drops the variable). The lab is ``aio``
on 10.221.0.0/24; a lab already up is used as it is and left up.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml
from deploycli import (
    SECURITY_GROUP_STEP,
    destroy_leaves_nothing,
    failures,
    has_br_netfilter,
    lab_under_test,
    last_summary,
    ok,
    unchanged,
    verify_json,
)
from labcli import skip_unless_lab_host

from installer.deploy.phases import PHASES
from installer.testbed.lab.sources import SUITE_RELEASES

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

LAB, SUBNET, NODE = "aio", "10.221.0.0/24", "openstack1"
SUITE = os.environ.get("STACKINSTALL_E2E_ALLINONE_SUITE", "trixie")
EVERY_ROLE = ["controller", "network", "compute", "storage"]

skip_unless_lab_host()


@pytest.fixture(scope="module")
def answers():
    yield from lab_under_test(LAB, SUBNET, "--nodes", "1", "--suite", SUITE,
                              down_args=("--keep-image",))


def test_allinone_deploys_passes_the_smoke_and_reruns_unchanged(answers: Path):
    settings = yaml.safe_load(answers.read_text())
    assert settings["deployment"]["release"] == SUITE_RELEASES[SUITE]
    assert [n["roles"] for n in settings["nodes"]] == [EVERY_ROLE]

    ok("deploy", str(answers))
    first = last_summary(answers)
    assert first["status"] == "successful"
    assert [p["name"] for p in first["phases"]] == list(PHASES)
    print(f"all-in-one {SUITE} deploy (s):",
          {p["name"]: p["duration_s"] for p in first["phases"]}, "total", first["duration_s"])

    code, report = verify_json(answers, "--smoke", "--browser")
    statuses = {(r["node"], r["check"]): r["status"] for r in report["results"]}
    assert {node for node, _check in statuses} == {NODE}, sorted(statuses)
    if has_br_netfilter(LAB, NODE):
        assert code == 0 and report["status"] == "passed", failures(report)
    else:
        not_passed = {k: v for k, v in statuses.items() if v != "pass"}
        assert set(not_passed) <= {(NODE, SECURITY_GROUP_STEP)}, failures(report)
        assert set(not_passed.values()) <= {"blocked"}, failures(report)
    for expected in ("smoke: reach the guest over SSH by its floating IP",
                     "smoke: attach the volume to it and read the data back",
                     "smoke: boot a second guest with a config drive",
                     "smoke: nothing left behind", "api network agents", "api catalog",
                     "ceph cluster health", "ceph OSDs up and in", "horizon browser login"):
        assert statuses.get((NODE, expected)) == "pass", (expected, failures(report))
    print(f"all-in-one {SUITE} verify --browser --smoke:", report["passed"], "of",
          len(report["results"]), "passed")

    ok("deploy", str(answers))
    rerun = last_summary(answers)
    assert rerun["status"] == "successful"
    assert unchanged(rerun) == {}, unchanged(rerun)
    print(f"all-in-one {SUITE} no-change re-run (s):", rerun["duration_s"])

    # the plan on the unchanged cloud: nothing to do (its time printed beside the re-run's)
    started = time.monotonic()
    planned = json.loads(ok("deploy", str(answers), "--plan", "--json").stdout)
    print(f"all-in-one {SUITE} deploy --plan: {planned['verdict']!r} in "
          f"{time.monotonic() - started:.1f} s")
    assert planned["verdict"] == "nothing to do", planned["nodes"]


def test_destroy_on_the_one_node_leaves_nothing(answers: Path):
    """Everything on one node (Open vSwitch or linuxbridge, Ceph, every service) goes, the
    answer and secrets files stay; a second destroy changes nothing."""
    destroy_leaves_nothing(LAB, answers, frozenset({NODE}))

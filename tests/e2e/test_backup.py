"""End to end: backup, change the cloud, restore, and the old state is back.

Opt-in: ``STACKINSTALL_E2E_BACKUP_LAB=NAME`` names a lab that is up and deployed; the test
changes its cloud (it deletes what it made) and never deploys or takes the lab down. The
scenario is backupflow's: an estate of every kind of resource, a backup taken while the smoke
runs (a busy cloud), changes, restore, everything back as it was, the token taken before the
backup valid again; then ``verify --smoke`` passes on the restored cloud. In CI the same
scenario runs on the Debian 13 Epoxy lab (test_epoxy.py), quiet, before its smoke.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from backupflow import backup_and_restore
from deploycli import deploy_dir, failures, verify_json
from labcli import skip_unless_lab_host

from installer.testbed.lab.paths import LabPaths

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

LAB = os.environ.get("STACKINSTALL_E2E_BACKUP_LAB", "")

skip_unless_lab_host()


@pytest.fixture(scope="module")
def answers() -> Path:
    if not LAB:
        pytest.skip("set STACKINSTALL_E2E_BACKUP_LAB to a deployed lab whose cloud may change")
    path = LabPaths.for_lab(LAB).answers
    if not (deploy_dir(path) / "clouds.yaml").is_file():
        pytest.skip(f"lab {LAB} is not deployed")
    return path


def test_backup_of_a_busy_cloud_restores_what_it_held(answers: Path) -> None:
    backup_and_restore(LAB, answers, busy=True)
    code, report = verify_json(answers, "--smoke")
    assert code == 0 and report["status"] == "passed", failures(report)
    print("verify --smoke after the restore:", report["passed"], "of",
          len(report["results"]), "passed")

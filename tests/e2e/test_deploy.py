"""End to end on a four-node lab: deploy (bootstrap + infra) -> verify -> idempotent re-run
-> break a node by hand -> verify names the node and the problem -> re-deploy -> verify green.

Run alone with ``pytest -m e2e tests/e2e/test_deploy.py`` as root. The lab is
``$STACKINSTALL_E2E_LAB`` (default ``dv``) on ``$STACKINSTALL_E2E_SUBNET`` (default
10.217.0.0/24), so the shared default lab is never broken on purpose. A lab that is
already up is used as it is and left up; a lab this test brings up, it takes down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from installer.lab.checks import missing_packages
from installer.lab.paths import LabPaths

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

LAB = os.environ.get("STACKINSTALL_E2E_LAB", "dv")
SUBNET = os.environ.get("STACKINSTALL_E2E_SUBNET", "10.217.0.0/24")
PATHS = LabPaths.for_lab(LAB)
CONTROLLER = "openstack1"
PHASES = ["--phase", "bootstrap", "--phase", "infra"]

if os.geteuid() != 0 or missing_packages():
    pytest.skip("the deploy test needs root and systemd-container, debootstrap, apt-cacher-ng",
                allow_module_level=True)


def stackinstall(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "installer", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def ok(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    proc = stackinstall(*args, timeout=timeout)
    assert proc.returncode == 0, f"stackinstall {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def on(node: str, command: str) -> str:
    return ok("lab", "ssh", "--name", LAB, node, "--", command, timeout=300).stdout


def _lab_running() -> bool:
    if not PATHS.state_file.is_file():
        return False
    proc = stackinstall("lab", "status", "--name", LAB, timeout=120)
    return proc.returncode == 0 and proc.stdout.count("running") >= 4


@pytest.fixture(scope="module")
def answers():
    created = not _lab_running()
    if created:
        ok("lab", "up", "--name", LAB, "--subnet", SUBNET, timeout=1800)
    yield PATHS.answers
    if created:
        ok("lab", "down", "--name", LAB, timeout=900)


def deploy_dir(answers: Path) -> Path:
    name = yaml.safe_load(answers.read_text())["deployment"]["name"]
    return answers.parent / "deployments" / name


def last_summary(answers: Path) -> dict:
    runs = sorted((deploy_dir(answers) / "runs").iterdir())
    return json.loads((runs[-1] / "summary.json").read_text())


def verify_json(answers: Path) -> tuple[int, dict]:
    proc = stackinstall("verify", str(answers), "--json", timeout=600)
    return proc.returncode, json.loads(proc.stdout)


def failures(report: dict) -> list[str]:
    return [f"{r['node']}: {r['check']}: {r['message']}"
            for r in report["results"] if r["status"] != "pass"]


def secret_values(answers: Path) -> dict[str, str]:
    secrets = yaml.safe_load(PATHS.secrets.read_text())
    return {k: str(v) for k, v in secrets.items() if v}


def test_deploy_verify_rerun_break_and_repair(answers: Path, tmp_path: Path):
    # 1. first deployment of bootstrap + infra
    first = stackinstall("deploy", str(answers), *PHASES)
    assert first.returncode == 0, f"{first.stdout}\n{first.stderr}"
    summary = last_summary(answers)
    assert summary["status"] == "successful"
    assert [p["name"] for p in summary["phases"]] == ["bootstrap", "infra"]
    assert set(summary["hosts"]) == {"openstack1", "openstack2", "openstack3", "openstack4"}

    # 2. verify passes, also as JUnit
    junit = tmp_path / "verify.xml"
    ok("verify", str(answers), "--junit", str(junit), timeout=600)
    assert 'failures="0"' in junit.read_text()
    code, report = verify_json(answers)
    assert code == 0 and report["status"] == "passed", failures(report)
    assert report["failed"] == 0 and report["passed"] >= 30

    # 3. a second run changes nothing anywhere
    ok("deploy", str(answers), *PHASES)
    rerun = last_summary(answers)
    assert rerun["status"] == "successful"
    changed = {host: counts["changed"] for host, counts in rerun["hosts"].items()}
    assert changed == dict.fromkeys(changed, 0), changed

    # 4. no secret value reached any run directory (artifacts, events, logs)
    runs = deploy_dir(answers) / "runs"
    for key, value in secret_values(answers).items():
        hits = [p for p in runs.rglob("*") if p.is_file() and value.encode() in p.read_bytes()]
        assert hits == [], f"secret {key} found in {hits}"
    assert rerun["secret_leaks"] == [] and summary["secret_leaks"] == []

    # 5. break the controller by hand: verify names the node and the problem
    on(CONTROLLER, "systemctl stop mariadb")
    code, report = verify_json(answers)
    assert code != 0 and report["status"] == "failed"
    problems = failures(report)
    assert any(p.startswith(f"{CONTROLLER}: mariadb active: mariadb is inactive")
               for p in problems), problems

    on(CONTROLLER, "sed -i 's/^-l .*/-l 0.0.0.0/' /etc/memcached.conf && "
                   "systemctl restart memcached")
    code, report = verify_json(answers)
    assert code != 0
    problems = failures(report)
    assert any(p.startswith(f"{CONTROLLER}: memcached listener: memcached listens on 0.0.0.0")
               for p in problems), problems
    text = stackinstall("verify", str(answers), timeout=600)
    assert text.returncode == 8
    assert f"{CONTROLLER}: memcached listener" in text.stderr

    # 6. re-deploying repairs it; verify is green again
    ok("deploy", str(answers), "--phase", "infra")
    repair = last_summary(answers)
    assert repair["hosts"][CONTROLLER]["changed"] >= 1
    code, report = verify_json(answers)
    assert code == 0, failures(report)

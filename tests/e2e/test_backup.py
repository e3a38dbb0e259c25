"""End to end: backup, change the cloud, restore, and the old state is back.

Opt-in: ``STACKINSTALL_E2E_BACKUP_LAB=NAME`` names a lab that is up and deployed; the test
changes its cloud (it restores what it changed) and never deploys or takes the lab down.
It creates a keystone project and takes a token, backs up, deletes the project, creates
another, rotates keystone's fernet keys until the token's key is gone, restores, and then
finds the first project back, the second gone and the token valid again. It also checks
that restore refuses an altered backup and a missing confirmation, changing nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from deploycli import deploy_dir, on, stackinstall
from labcli import skip_unless_lab_host

from installer.testbed.lab.paths import LabPaths
from installer.testbed.smoke.cloud import connect

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

LAB = os.environ.get("STACKINSTALL_E2E_BACKUP_LAB", "")

skip_unless_lab_host()


def _token_valid(conn, token: str) -> bool:
    response = conn.identity.get("/auth/tokens", headers={"X-Subject-Token": token},
                                 raise_exc=False)
    return response.status_code == 200


@pytest.fixture(scope="module")
def answers() -> Path:
    if not LAB:
        pytest.skip("set STACKINSTALL_E2E_BACKUP_LAB to a deployed lab whose cloud may change")
    path = LabPaths.for_lab(LAB).answers
    if not (deploy_dir(path) / "clouds.yaml").is_file():
        pytest.skip(f"lab {LAB} is not deployed")
    return path


def test_restore_brings_back_what_the_backup_held(answers: Path) -> None:
    name = deploy_dir(answers).name
    conn = connect(deploy_dir(answers) / "clouds.yaml", name)
    stamp = time.strftime("%H%M%S")
    kept = conn.identity.create_project(name=f"backup-e2e-kept-{stamp}")
    token = conn.auth_token
    started = time.monotonic()
    made = stackinstall("backup", str(answers), "--json", timeout=1800)
    assert made.returncode == 0, made.stderr[-4000:]
    manifest = json.loads(made.stdout)
    print(f"backup: {manifest['size'] / 1e6:.1f} MB in {time.monotonic() - started:.0f} s, "
          f"{len(manifest['parts'])} parts, databases {manifest['databases']}")
    directory = Path(manifest["directory"])
    assert {"keystone", "nova", "neutron"} <= set(manifest["databases"])

    conn.identity.delete_project(kept)
    later = conn.identity.create_project(name=f"backup-e2e-later-{stamp}")
    controller = manifest["nodes"][0]
    for _ in range(3):
        on(LAB, controller, "keystone-manage fernet_rotate --keystone-user keystone "
                            "--keystone-group keystone")
    print("token valid after the rotations:", _token_valid(conn, token))

    refused = stackinstall("restore", str(answers), directory.name, timeout=600)
    assert refused.returncode == 2 and "--confirm" in refused.stderr
    altered = directory.parent / f"{directory.name}-altered"
    shutil.copytree(directory, altered)
    try:
        (altered / "secrets.yml").write_text("tampered\n")
        refused = stackinstall("restore", str(answers), altered.name, "--confirm", name)
        assert refused.returncode == 10 and "checksum differs" in refused.stderr
    finally:
        shutil.rmtree(altered)

    started = time.monotonic()
    restored = stackinstall("restore", str(answers), directory.name, "--confirm", name)
    assert restored.returncode == 0, restored.stdout[-4000:] + restored.stderr[-4000:]
    print(f"restore: {time.monotonic() - started:.0f} s")
    conn = connect(deploy_dir(answers) / "clouds.yaml", name)
    assert conn.identity.find_project(kept.name) is not None
    assert conn.identity.find_project(later.name) is None
    assert _token_valid(conn, token)
    conn.identity.delete_project(conn.identity.find_project(kept.name))

"""End to end: ``verify --smoke --image FILE`` boots an operator's image on a deployed lab.

The operator's image here is one this machine can make offline: the built guest image
itself, once as the raw file it is and once converted to qcow2 with ``qemu-img``. Passed
through ``--image``, it is treated like any foreign image: uploaded in its own format,
logged into over SSH as ``--image-user`` with the smoke's key pair, its config drive found
by its label. Its console line is not read, so the step that reads it is blocked with the
reason, and every other smoke step must pass (security groups: blocked where the compute
node's kernel has no br_netfilter).

Needs a lab that is up and deployed (``$STACKINSTALL_E2E_SMOKE_LAB``, default ``ep``, the
Epoxy lab); it never deploys nor takes a lab down, and skips when the lab is not there.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from deploycli import (
    SECURITY_GROUP_STEP,
    deploy_dir,
    failures,
    has_br_netfilter,
    lab_running,
    verify_json,
)
from labcli import skip_unless_lab_host

from installer.testbed.hosttools import Tool
from installer.testbed.image.build import build_image
from installer.testbed.image.host import ensure_tools
from installer.testbed.lab.paths import LabPaths

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

LAB = os.environ.get("STACKINSTALL_E2E_SMOKE_LAB", "ep")
BOOTED_STEP = "smoke: the guest booted and read the metadata service"

skip_unless_lab_host()


@pytest.fixture(scope="module")
def answers() -> Path:
    path = LabPaths.for_lab(LAB).answers
    if not lab_running(LAB) or not (deploy_dir(path) / "clouds.yaml").is_file():
        pytest.skip(f"lab {LAB} is not up and deployed (set STACKINSTALL_E2E_SMOKE_LAB)")
    return path


@pytest.fixture(scope="module")
def raw_image() -> Path:
    return build_image().path


@pytest.mark.parametrize("disk_format", ["qcow2", "raw"])
def test_an_operators_image_passes_the_smoke_but_its_console_step(
        answers: Path, raw_image: Path, tmp_path: Path, disk_format: str) -> None:
    image = raw_image
    if disk_format == "qcow2":
        ensure_tools((Tool("qemu-img", "qemu-utils"),))
        image = tmp_path / "guest.qcow2"
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw_image),
                        str(image)], check=True)
    code, report = verify_json(answers, "--limit", "openstack1", "--smoke", "--image",
                               str(image), "--image-user", "root")
    smoke = {r["check"]: r for r in report["results"] if r["check"].startswith("smoke: ")}
    print("smoke step times (s):", {k: v["duration_s"] for k, v in smoke.items()})
    assert len(smoke) == 15, sorted(smoke)
    booted = smoke.pop(BOOTED_STEP)
    assert booted["status"] == "blocked", booted
    assert "prints no stackinstall-guest 'booted' line" in booted["message"]
    if not has_br_netfilter(LAB, "openstack3"):
        assert smoke.pop(SECURITY_GROUP_STEP)["status"] == "blocked"
    not_passed = {k: v["message"] for k, v in smoke.items() if v["status"] != "pass"}
    assert not_passed == {}, failures(report)
    assert f", {disk_format}, from {image.name})" in smoke["smoke: upload the guest image"][
        "message"]
    assert "sees its config drive as /dev/" in smoke[
        "smoke: boot a second guest with a config drive"]["message"]
    assert code == 8  # a blocked step is never a pass

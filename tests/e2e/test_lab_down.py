"""End to end: an interrupted `lab down` is finished by the next one, which leaves nothing.

Brings up its own one-node lab (``dn``, ``10.229.0.0/24``), interrupts `lab down` right
after its first step (the node's container stopped: its mount, links, namespace, tree, the
apt proxy, the bridges and the state are still there) through `down`'s progress hook, then
runs `stackinstall lab down` again and looks for every kind of object the lab makes.
Run alone with ``pytest -m lab tests/e2e/test_lab_down.py`` (as root).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from labcli import cli, processes_of, skip_unless_lab_host

from installer.errors import LabError
from installer.testbed.lab import teardown
from installer.testbed.lab.paths import LabPaths

pytestmark = pytest.mark.lab

LAB = "dn"
SUBNET = "10.229.0.0/24"
PATHS = LabPaths.for_lab(LAB)

skip_unless_lab_host()


def leftovers() -> dict[str, list[str]]:
    """Every object of lab dn still on the host."""
    def lines(*argv: str) -> list[str]:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        return [x.strip() for x in out.splitlines() if x.strip()]

    marker = f"/lab/{LAB}/"
    listing = subprocess.run(["losetup", "--list", "--json"], capture_output=True, text=True,
                             check=True).stdout
    loops = json.loads(listing or "{}").get("loopdevices", [])
    return {
        "links": [x for x in lines("ip", "-br", "link") if x.startswith(f"si-{LAB}-")],
        "netns": [x for x in lines("ip", "netns", "list") if x.startswith(f"si-{LAB}-")],
        "mounts": [x.split()[4] for x in Path("/proc/self/mountinfo").read_text().splitlines()
                   if marker in x],
        "loop devices": [str(d) for d in loops if marker in str(d.get("back-file", ""))],
        "processes": processes_of(LAB),
        "cgroups": [str(p) for p in Path("/sys/fs/cgroup").glob(f"*/si-{LAB}")],
        "files": [str(PATHS.root)] if PATHS.root.exists() else [],
    }


@pytest.fixture(scope="module")
def lab_up():
    cli("down", "--name", LAB, "--subnet", SUBNET, "--keep-image")
    cli("up", "--name", LAB, "--nodes", "1", "--subnet", SUBNET)
    yield
    if PATHS.root.exists():  # a failed test must not leave the lab behind
        cli("down", "--name", LAB, "--keep-image", check=False)


def test_status_json(lab_up):
    status = json.loads(cli("status", "--name", LAB, "--json").stdout)
    assert status["name"] == LAB and status["tearing_down"] is False
    assert [(n["name"], n["state"], n["address"]) for n in status["nodes"]] == [
        ("openstack1", "running", "10.229.0.11")]
    assert status["proxy"]["running"] is True


def test_an_interrupted_down_is_finished_by_the_next(lab_up):
    tree = PATHS.node_dir("openstack1")
    assert (tree / "upper").is_dir()
    seen: list[str] = []

    def interrupt(item: str) -> None:
        seen.append(item)
        raise KeyboardInterrupt  # like Ctrl-C right after the first step

    with pytest.raises(LabError, match="interrupted"):
        teardown.down(LAB, keep_image=True, on_removed=interrupt)
    assert seen and seen[0].startswith("openstack1: container")
    left = leftovers()
    assert left["links"] and left["netns"] and left["mounts"] and left["files"], left
    assert json.loads(PATHS.state_file.read_text())["tearing_down"] is True
    assert (tree / "upper").is_dir()

    refused = cli("up", "--name", LAB, check=False)
    assert refused.returncode == 5 and "being torn down" in refused.stderr
    status = cli("status", "--name", LAB)
    assert "being torn down" in status.stderr

    finished = cli("down", "--name", LAB, "--keep-image")
    assert f"removed openstack1: tree {tree}" in finished.stdout
    assert "removed state directory" in finished.stdout
    assert leftovers() == {k: [] for k in leftovers()}
    again = cli("down", "--name", LAB, "--keep-image")
    assert f"there was no lab named {LAB!r}" in again.stdout

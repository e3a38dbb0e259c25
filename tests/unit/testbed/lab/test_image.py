"""An image build that was cut off is cleaned up without reaching through its mounts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from installer.testbed.lab import image


def _mountinfo(path: Path, targets: list[str]) -> None:
    path.write_text("".join(
        f"{40 + i} 1 0:{i} / {t} rw,relatime - proc proc rw\n" for i, t in enumerate(targets)))


@pytest.fixture
def build(tmp_path: Path) -> Path:
    tree = tmp_path / ".debian-trixie.building-12345"
    (tree / "proc").mkdir(parents=True)
    (tree / "etc").mkdir()
    (tree / "etc" / "os-release").write_text("x")
    return tree


def test_the_mounts_go_first_deepest_first_then_the_tree(tmp_path, build, monkeypatch):
    info = tmp_path / "mountinfo"
    _mountinfo(info, ["/proc", str(build / "proc"), str(build / "proc" / "sys" / "fs")])
    undone: list[str] = []

    def fake_run(argv, check=True, **_):
        assert argv[:2] == ["umount", "--lazy"]
        undone.append(argv[2])
        _mountinfo(info, ["/proc", *[t for t in (str(build / "proc"),
                                                 str(build / "proc" / "sys" / "fs"))
                                     if t not in undone]])
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(image, "run", fake_run)
    assert image.discard_build(build, info) is True
    assert undone == [str(build / "proc" / "sys" / "fs"), str(build / "proc")]
    assert not build.exists()


def test_a_mount_that_stays_keeps_the_tree_and_is_named(tmp_path, build, monkeypatch, capsys):
    info = tmp_path / "mountinfo"
    _mountinfo(info, [str(build / "proc")])
    monkeypatch.setattr(image, "run", lambda argv, check=True, **_:
                        subprocess.CompletedProcess(argv, 32, "", "busy"))
    assert image.discard_build(build, info) is False
    assert (build / "etc" / "os-release").exists()
    assert str(build / "proc") in capsys.readouterr().err.replace("\n", "")


def test_only_builds_of_processes_that_are_gone_are_cleared(tmp_path, monkeypatch):
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(done.stdout)
    for pid in (dead, os.getpid(), 1):
        (tmp_path / f".debian-trixie.building-{pid}" / "tree").mkdir(parents=True)
    (tmp_path / ".debian-bookworm.building-99999999").mkdir()
    monkeypatch.setattr(image, "mounts_under", lambda path, mountinfo=None: [])
    cleared = image.clear_stale_builds(tmp_path, "debian-trixie")
    assert cleared == [tmp_path / f".debian-trixie.building-{dead}"]
    left = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert left == sorted([f".debian-trixie.building-{os.getpid()}",
                           ".debian-trixie.building-1", ".debian-bookworm.building-99999999"])


def test_a_finished_image_leaves_each_node_to_name_its_iscsi_initiator(tmp_path) -> None:
    """A VM layer with open-iscsi carried the initiator name its postinst made, so every
    node booted from it shared one; Debian's iscsid start-up check makes a new one from
    GenerateName=yes."""
    iscsi = tmp_path / "etc" / "iscsi"
    iscsi.mkdir(parents=True)
    (tmp_path / "etc" / "ssh").mkdir()
    (tmp_path / "etc" / "systemd" / "system").mkdir(parents=True)
    (iscsi / "initiatorname.iscsi").write_text(
        "InitiatorName=iqn.1993-08.org.debian:01:ac7051f8ee2e\n")
    image.finish(tmp_path)
    assert (iscsi / "initiatorname.iscsi").read_text() == "GenerateName=yes\n"
    bare = tmp_path / "bare"
    (bare / "etc" / "ssh").mkdir(parents=True)
    (bare / "etc" / "systemd" / "system").mkdir(parents=True)
    image.finish(bare)
    assert not (bare / "etc" / "iscsi").exists()

"""Loop devices: which ones a node's root file system backs, matched by device and inode."""

from __future__ import annotations

import json
import os
from pathlib import Path

from installer.testbed.lab import loopdev


def _entry(name: str, back: str, path: Path) -> dict:
    st = path.stat()
    return {"name": name, "back-file": back, "back-ino": st.st_ino,
            "back-maj:min": f"  {os.major(st.st_dev)}:{os.minor(st.st_dev)} "}


def test_devices_are_matched_by_inode_not_by_the_path_the_container_saw(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "var/lib/cinder").mkdir(parents=True)
    mine = root / "var/lib/cinder/cinder-volumes.img"
    mine.write_bytes(b"x")
    other = tmp_path / "elsewhere.img"  # another node's file, recorded under the same path
    other.write_bytes(b"y")
    listing = {"loopdevices": [
        _entry("/dev/loop0", "/var/lib/cinder/cinder-volumes.img", mine),
        {**_entry("/dev/loop1", "/var/lib/cinder/cinder-volumes.img", other)},
        {"name": "/dev/loop2", "back-file": None, "back-ino": None, "back-maj:min": None},
        {**_entry("/dev/loop3", "/srv/gone.img", other)},
    ]}
    assert loopdev.backed_under(root, json.dumps(listing)) == ["/dev/loop0"]
    assert loopdev.backed_under(root, "") == []


def test_device_nodes_lists_control_first_then_devices_in_number_order(tmp_path: Path) -> None:
    for name in ("loop10", "loop2", "loop-control", "loop0"):
        (tmp_path / name).touch()
    assert loopdev.device_nodes(tmp_path) == [
        str(tmp_path / "loop-control"), str(tmp_path / "loop0"), str(tmp_path / "loop2"),
        str(tmp_path / "loop10")]

"""Loop devices: which ones a node's root file system backs (the kernel's sysfs is faked)."""

from __future__ import annotations

from pathlib import Path

from installer.lab import loopdev


def _loop(sys_block: Path, name: str, backing: str | None) -> None:
    (sys_block / name).mkdir(parents=True)
    if backing is not None:
        (sys_block / name / "loop").mkdir()
        (sys_block / name / "loop" / "backing_file").write_text(backing + "\n")


def test_only_devices_backed_inside_the_root_are_found(tmp_path: Path) -> None:
    root = Path("/var/lib/stackinstall/lab/x/nodes/openstack4/root")
    _loop(tmp_path, "loop0", f"{root}/var/lib/cinder/cinder-volumes.img")
    _loop(tmp_path, "loop1", "/srv/other.img")
    _loop(tmp_path, "loop2", f"{root}-other/var/lib/cinder/cinder-volumes.img")
    _loop(tmp_path, "loop3", None)  # unattached: no loop/ directory
    assert loopdev.backed_under(root, sys_block=tmp_path) == ["/dev/loop0"]


def test_device_nodes_lists_control_first_then_devices_in_number_order(tmp_path: Path) -> None:
    for name in ("loop10", "loop2", "loop-control", "loop0"):
        (tmp_path / name).touch()
    assert loopdev.device_nodes(tmp_path) == [
        str(tmp_path / "loop-control"), str(tmp_path / "loop0"), str(tmp_path / "loop2"),
        str(tmp_path / "loop10")]

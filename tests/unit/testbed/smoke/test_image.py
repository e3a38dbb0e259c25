"""The image the smoke boots: its format read from the file itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from installer.testbed.smoke.image import built_image, disk_format, operator_image


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img (qemu-utils)")
def test_qemu_imgs_own_files_are_told_apart(tmp_path: Path) -> None:
    raw, qcow2 = tmp_path / "disk.raw", tmp_path / "disk.qcow2"
    raw.write_bytes(b"\0" * 1048576)
    subprocess.run(["qemu-img", "convert", "-O", "qcow2", str(raw), str(qcow2)], check=True)
    assert disk_format(raw) == "raw"
    assert disk_format(qcow2) == "qcow2"


def test_an_operator_image_is_logged_into_as_its_user(tmp_path: Path) -> None:
    disk = tmp_path / "cirros.img"
    disk.write_bytes(b"QFI\xfb\0\0\0\3")
    image = operator_image(disk, "cirros")
    assert (image.disk_format, image.user, image.announces) == ("qcow2", "cirros", False)
    assert image.origin == "the operator's image"


def test_the_built_image_is_built_only_when_asked(tmp_path: Path) -> None:
    built: list[Path] = []

    def build() -> Path:
        built.append(tmp_path / "guest.raw")
        return built[-1]

    later = built_image(build)
    assert built == []
    image = later()
    assert (image.path, image.disk_format, image.user, image.announces) == (
        tmp_path / "guest.raw", "raw", "root", True)

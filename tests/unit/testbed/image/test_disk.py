"""The boot disk, made for real with mkfs.vfat, mcopy and syslinux (no mount, no root)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from installer.testbed.image import disk

TOOLS = ("mkfs.vfat", "mcopy", "mdir", "syslinux")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t, path="/usr/sbin:/usr/bin:/sbin:/bin") is None for t in TOOLS),
    reason="needs dosfstools, mtools and syslinux (scripts/setup.sh installs them)")


def test_bootable_superfloppy_with_kernel_initrd_and_config(tmp_path):
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"K" * 3_000_000)
    initrd = tmp_path / "initrd.img"
    initrd.write_bytes(b"I" * 1_000_000)
    image = tmp_path / "disk.raw"
    size = disk.make_disk(image, kernel, initrd, "console=ttyS0,115200 quiet", "1234abcd")
    assert size == image.stat().st_size == disk.image_size(4_000_000) == 6 * disk.MIB
    boot = image.read_bytes()[:512]
    assert boot[510:512] == b"\x55\xaa"  # a boot sector ...
    assert b"SYSLINUX" in boot  # ... with syslinux's loader, on a partitionless FAT
    listing = subprocess.run(["mdir", "-a", "-b", "-i", str(image), "::"], capture_output=True,
                             text=True, check=True).stdout.upper()
    for name in ("VMLINUZ", "INITRD.IMG", "SYSLINUX.CFG", "LDLINUX.SYS", "LDLINUX.C32"):
        assert name in listing
    config = subprocess.run(["mtype", "-i", str(image), "::syslinux.cfg"], capture_output=True,
                            text=True, check=True).stdout
    assert "APPEND console=ttyS0,115200 quiet" in config and "TIMEOUT 0" in config
    copied = subprocess.run(["mtype", "-i", str(image), "::initrd.img"], capture_output=True,
                            check=True).stdout
    assert copied == initrd.read_bytes()
    assert not (tmp_path / "syslinux.cfg").exists()

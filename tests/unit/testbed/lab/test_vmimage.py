"""The VM image cache: what its key covers, how the tree becomes a bootable VM root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from installer.errors import LabError
from installer.testbed.lab import image, vmimage
from installer.testbed.lab.vmimage import VmImage, VmImageSpec


def test_the_key_changes_with_suite_mirror_and_layer():
    base = VmImageSpec("bookworm", "http://m/debian")
    assert base.key == VmImageSpec("bookworm", "http://m/debian").key
    others = {VmImageSpec("trixie", "http://m/debian").key,
              VmImageSpec("bookworm", "http://other/debian").key,
              VmImageSpec("bookworm", "http://m/debian", layer=("lvm2", "nova-compute")).key}
    assert base.key not in others and len(others) == 3


def test_a_layer_is_an_entry_beside_the_base(tmp_path):
    base = VmImageSpec("bookworm", "http://m/debian")
    layer = VmImageSpec("bookworm", "http://m/debian", layer=("cinder-volume",))
    assert base.directory(tmp_path).parent == layer.directory(tmp_path).parent
    assert base.directory(tmp_path) != layer.directory(tmp_path)
    assert base.directory(tmp_path).name.startswith("vm-debian-bookworm-")
    assert set(image.PACKAGES) | set(vmimage.VM_PACKAGES) <= set(layer.packages)
    assert "cinder-volume" in layer.packages


def test_debootstrap_installs_the_kernel_and_the_container_packages(tmp_path):
    argv = vmimage.debootstrap_argv(tmp_path / "t", VmImageSpec("trixie", "http://m/debian"))
    assert argv[:2] == ["debootstrap", "--variant=minbase"]
    include = argv[2].removeprefix("--include=").split(",")
    assert {"linux-image-cloud-amd64", "initramfs-tools", "udev", "openssh-server",
            "lvm2"} <= set(include)
    assert argv[3:] == ["trixie", str(tmp_path / "t"), "http://m/debian"]


def test_the_tree_boots_from_its_label_and_never_rebuilds_its_initramfs(tmp_path):
    vmimage.prepare_tree(tmp_path)
    assert "LABEL=si-root / ext4" in (tmp_path / "etc" / "fstab").read_text()
    conf = (tmp_path / "etc" / "initramfs-tools" / "update-initramfs.conf").read_text()
    assert "update_initramfs=no" in conf.splitlines()
    script = tmp_path / "usr" / "local" / "sbin" / "stackinstall-seed"
    assert os.access(script, os.X_OK) and "by-label/si-seed" in script.read_text()
    link = tmp_path / "etc/systemd/system/multi-user.target.wants/stackinstall-seed.service"
    assert os.readlink(link) == "/etc/systemd/system/stackinstall-seed.service"
    assert "Before=ssh.service" in (tmp_path / "etc/systemd/system"
                                    / "stackinstall-seed.service").read_text()
    assert os.readlink(tmp_path / "etc/systemd/system/e2scrub_reap.service") == "/dev/null"
    vmimage.prepare_tree(tmp_path)  # again: same result, no error


def test_boot_files_are_the_newest_kernel_and_its_initramfs(tmp_path):
    boot = tmp_path / "boot"
    boot.mkdir()
    with pytest.raises(LabError, match="no kernel"):
        vmimage.boot_files(tmp_path)
    (boot / "vmlinuz-6.1.0-40-cloud-amd64").write_text("k")
    with pytest.raises(LabError, match=r"initrd\.img-6\.1\.0-40-cloud-amd64"):
        vmimage.boot_files(tmp_path)
    (boot / "initrd.img-6.1.0-40-cloud-amd64").write_text("i")
    assert vmimage.boot_files(tmp_path) == (boot / "vmlinuz-6.1.0-40-cloud-amd64",
                                            boot / "initrd.img-6.1.0-40-cloud-amd64")


def test_an_entry_is_complete_only_with_all_four_files(tmp_path):
    img = VmImage(tmp_path)
    for name in ("root.raw", "vmlinuz", "initrd.img"):
        (tmp_path / name).write_text("x")
        assert not img.complete()
    (tmp_path / "manifest.json").write_text("{}")
    assert img.complete()


def test_mkfs_writes_a_tree_into_a_file_without_a_loop_mount(tmp_path: Path):
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "hostname").write_text("n\n")
    argv = vmimage.mkfs_argv(tree, tmp_path / "d.raw", "si-root", "8M")
    assert argv[:2] == ["mkfs.ext4", "-q"] and "-d" in argv and "losetup" not in argv
    import subprocess

    subprocess.run(argv, check=True)
    out = subprocess.run(["debugfs", "-R", "cat /etc/hostname", str(tmp_path / "d.raw")],
                         capture_output=True, text=True, check=True).stdout
    assert out == "n\n"

"""The guest tree: programs with exactly their libraries, /init, users, devices, modules."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path, PurePosixPath

import pytest

from installer.errors import GuestImageError
from installer.testbed.image import rootfs
from installer.testbed.image.cpio import Tree
from tests.unit.testbed.image.elfmaker import kernel_module


def test_symlinks_resolve_inside_the_tree(tmp_path):
    (tmp_path / "lib/x86_64-linux-gnu").mkdir(parents=True)
    (tmp_path / "lib/x86_64-linux-gnu/libz.so.1.2.13").write_bytes(b"z")
    os.symlink("libz.so.1.2.13", tmp_path / "lib/x86_64-linux-gnu/libz.so.1")
    (tmp_path / "lib64").mkdir()
    os.symlink("/lib/x86_64-linux-gnu/libz.so.1", tmp_path / "lib64/libz.so")
    real = rootfs.resolve(tmp_path, PurePosixPath("lib64/libz.so"))
    assert real == tmp_path / "lib/x86_64-linux-gnu/libz.so.1.2.13"
    assert rootfs.find_library(tmp_path, "libz.so.1").read_bytes() == b"z"
    with pytest.raises(GuestImageError, match=r"libcrypt.so.1 is not in the unpacked"):
        rootfs.find_library(tmp_path, "libcrypt.so.1")


def test_dynamic_program_brings_its_interpreter_and_library_closure():
    ls = Path(shutil.which("ls") or "/bin/ls").resolve()
    tree = Tree()
    # the host's own root stands in for the unpacked packages
    rootfs.add_program(tree, Path("/"), str(ls.relative_to("/")), "bin/ls")
    libs = {p.split("/")[-1] for p in tree.entries if p.startswith(rootfs.GUEST_LIB + "/")}
    assert {"libc.so.6", "ld-linux-x86-64.so.2"} <= libs
    assert tree.entries["lib64/ld-linux-x86-64.so.2"].data == (
        b"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    assert stat.S_ISREG(tree.entries["lib/x86_64-linux-gnu/libc.so.6"].mode)


def fake_packages(root: Path, version: str) -> None:
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.skip("busybox-static not installed")
    (root / "bin").mkdir(parents=True)
    shutil.copy(busybox, root / "bin/busybox")
    ls = Path(shutil.which("ls") or "/bin/ls").resolve()
    for name in ("usr/sbin/dropbear", "usr/bin/dropbearkey"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ls, root / name)  # any dynamic program: its libraries come from the host
    for directory in ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"):
        (root / directory).parent.mkdir(parents=True, exist_ok=True)
        if not (root / directory).exists():
            os.symlink(f"/{directory}", root / directory)
    base = root / "lib/modules" / version / "kernel"
    modules = {"virtio_pci": [], "virtio_rng": [], "sd_mod": [], "sr_mod": [], "isofs": [],
               "vfat": [], "nls_cp437": [], "nls_utf8": [], "ata_piix": [], "ahci": [],
               "virtio_scsi": [], "virtio_blk": [], "virtio_net": []}
    for name, depends in modules.items():
        (base / f"{name}.ko").parent.mkdir(parents=True, exist_ok=True)
        (base / f"{name}.ko").write_bytes(kernel_module(name, depends))


def test_whole_tree(tmp_path):
    version = "6.1.0-56-amd64"
    fake_packages(tmp_path, version)
    tree = rootfs.build_tree(tmp_path, version, "key=abc\n")
    entries = tree.entries
    assert entries["init"].data == rootfs.data_file("init.sh")
    assert entries["init"].mode == stat.S_IFREG | 0o755
    assert entries["usr/share/udhcpc/default.script"].data == rootfs.data_file("udhcpc.sh")
    assert entries["bin/sh"].data == b"busybox"
    assert entries["dev/console"].rdev == (5, 1)
    assert entries["root"].mode == stat.S_IFDIR | 0o700
    assert entries["etc/passwd"].data.startswith(b"root:*:0:0:root:/root:/bin/sh")
    assert entries["etc/stackinstall-guest-release"].data == b"key=abc\n"
    load = entries[f"lib/modules/{version}/stackinstall.load"].data.decode().splitlines()
    assert load[0] == "kernel/virtio_pci.ko" and len(load) == 13
    assert f"lib/modules/{version}/kernel/ahci.ko" in entries
    assert "lib/x86_64-linux-gnu/libc.so.6" in entries


def test_missing_program_is_named(tmp_path):
    with pytest.raises(GuestImageError, match="usr/sbin/dropbear is not in the unpacked"):
        rootfs.add_program(Tree(), tmp_path, "usr/sbin/dropbear", "usr/sbin/dropbear")


def test_busybox_applets_are_checked():
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.skip("busybox-static not installed")
    rootfs.check_applets(Path(busybox).read_bytes())
    with pytest.raises(GuestImageError, match="no applet for: sha256sum"):
        rootfs.check_applets(b"\0dd\0cat\0", ("dd", "sha256sum", "cat"))


def test_the_stand_in_tools_call_busybox_the_way_tempest_needs(tmp_path):
    from installer.testbed.image.rootfs import TOOLS

    for name in ("wget", "findfs"):  # record the busybox call instead of making it
        fake = tmp_path / name
        fake.write_text(f'#!/bin/sh\necho {name} "$@"\n')
        fake.chmod(0o755)
    for path, text in TOOLS.items():
        tool = tmp_path / path.rsplit("/", 1)[1]
        tool.write_text(text)
        tool.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}

    def run(*argv: str) -> str:
        import subprocess

        done = subprocess.run([str(tmp_path / argv[0]), *argv[1:]], env=env,
                              capture_output=True, text=True, check=False, timeout=10)
        return done.stdout.strip()

    assert run("curl", "http://169.254.169.254/latest/meta-data/public-ipv4") == (
        "wget -q -O - http://169.254.169.254/latest/meta-data/public-ipv4")
    assert run("curl", "-X", "POST", "-d", "secret", "http://169.254.169.254/p") == (
        "wget -q -O - --post-data secret http://169.254.169.254/p")
    assert run("blkid", "-L", "config-2", "-o", "device") == "findfs LABEL=config-2"
    assert run("sudo", "echo", "as root") == "as root"

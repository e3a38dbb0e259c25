"""The initramfs archive: the newc format the kernel reads, the same bytes for the same tree."""

from __future__ import annotations

import gzip
import shutil
import stat
import subprocess

import pytest

from installer.testbed.image import cpio


def parse(archive: bytes) -> list[tuple[str, int, bytes, tuple[int, int], int]]:
    """(name, mode, data, rdev, mtime) of each entry, read back per the newc format."""
    entries = []
    at = 0
    while True:
        assert archive[at:at + 6] == b"070701"
        fields = [int(archive[at + 6 + 8 * i:at + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = fields[11], fields[6]
        name_at = at + 110
        name = archive[name_at:name_at + namesize - 1].decode()
        data_at = name_at + namesize + (-(110 + namesize) % 4)
        data = archive[data_at:data_at + filesize]
        at = data_at + filesize + (-filesize % 4)
        if name == "TRAILER!!!":
            return entries
        entries.append((name, fields[1], data, (fields[9], fields[10]), fields[5]))


def sample() -> cpio.Tree:
    tree = cpio.Tree()
    tree.file("init", b"#!/bin/sh\necho hi\n", 0o755)
    tree.file("usr/share/udhcpc/default.script", b"x" * 5, 0o755)
    tree.symlink("bin/sh", "busybox")
    tree.char_device("dev/console", 5, 1)
    tree.directory("tmp", 0o1777)
    return tree


def test_entries_parents_modes_links_and_devices():
    entries = {name: (mode, data, rdev) for name, mode, data, rdev, _t in parse(
        cpio.newc(sample()))}
    assert set(entries) == {"init", "usr", "usr/share", "usr/share/udhcpc",
                            "usr/share/udhcpc/default.script", "bin", "bin/sh", "dev",
                            "dev/console", "tmp"}
    assert entries["init"] == (stat.S_IFREG | 0o755, b"#!/bin/sh\necho hi\n", (0, 0))
    assert entries["bin/sh"][:2] == (stat.S_IFLNK | 0o777, b"busybox")
    assert entries["dev/console"] == (stat.S_IFCHR | 0o600, b"", (5, 1))
    assert entries["tmp"][0] == stat.S_IFDIR | 0o1777
    assert entries["usr/share"][0] == stat.S_IFDIR | 0o755


def test_same_tree_same_bytes_and_fixed_time():
    first = cpio.compress(cpio.newc(sample()))
    assert first == cpio.compress(cpio.newc(sample()))
    assert {mtime for *_rest, mtime in parse(gzip.decompress(first))} == {cpio.EPOCH}


def test_paths_cannot_escape():
    with pytest.raises(ValueError, match="bad path"):
        cpio.Tree().file("etc/../../x", b"")


def test_gnu_cpio_lists_the_archive(tmp_path):
    tool = shutil.which("cpio")
    if tool is None:
        pytest.skip("GNU cpio not installed")
    listing = subprocess.run([tool, "-t", "--quiet"], input=cpio.newc(sample()),
                             capture_output=True, check=True).stdout.decode().split()
    assert "dev/console" in listing and "usr/share/udhcpc/default.script" in listing

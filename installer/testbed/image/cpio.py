"""An initramfs archive written in Python: the cpio "newc" format the kernel unpacks.

Writing it here (instead of running ``cpio`` on a directory) needs no root for device nodes
and ownership, and gives the same bytes for the same tree: every entry is owned by root,
stamped with one fixed time, and written in sorted order.
"""

from __future__ import annotations

import gzip
import stat
from dataclasses import dataclass, field

#: 2000-01-01T00:00:00Z: every file in the guest carries this modification time.
EPOCH = 946684800


@dataclass(frozen=True)
class Entry:
    path: str  # without a leading slash: "bin/busybox"
    mode: int  # type and permission bits, e.g. stat.S_IFREG | 0o755
    data: bytes = b""  # file content, or the target of a symlink
    rdev: tuple[int, int] = (0, 0)  # (major, minor) of a device node


@dataclass
class Tree:
    """The guest's file tree; parent directories are added as needed (mode 0755)."""

    entries: dict[str, Entry] = field(default_factory=dict)

    def _parents(self, path: str) -> None:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/".join(parts[:i])
            if parent not in self.entries:
                self.entries[parent] = Entry(parent, stat.S_IFDIR | 0o755)

    def _add(self, entry: Entry) -> None:
        path = entry.path.strip("/")
        if not path or ".." in path.split("/"):
            raise ValueError(f"bad path in the guest tree: {entry.path!r}")
        self._parents(path)
        self.entries[path] = Entry(path, entry.mode, entry.data, entry.rdev)

    def directory(self, path: str, mode: int = 0o755) -> None:
        self._add(Entry(path, stat.S_IFDIR | mode))

    def file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        self._add(Entry(path, stat.S_IFREG | mode, data))

    def symlink(self, path: str, target: str) -> None:
        self._add(Entry(path, stat.S_IFLNK | 0o777, target.encode()))

    def char_device(self, path: str, major: int, minor: int, mode: int = 0o600) -> None:
        self._add(Entry(path, stat.S_IFCHR | mode, rdev=(major, minor)))

    def __contains__(self, path: str) -> bool:
        return path.strip("/") in self.entries

    def size(self) -> int:
        """Bytes of content (files and link targets), before compression."""
        return sum(len(entry.data) for entry in self.entries.values())


def _header(ino: int, entry: Entry, name: bytes) -> bytes:
    nlink = 2 if stat.S_ISDIR(entry.mode) else 1
    fields = (ino, entry.mode, 0, 0, nlink, EPOCH, len(entry.data), 0, 0,
              entry.rdev[0], entry.rdev[1], len(name) + 1, 0)
    return b"070701" + b"".join(b"%08X" % value for value in fields)


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)


def newc(tree: Tree) -> bytes:
    """The tree as an uncompressed newc cpio archive (parents before children)."""
    chunks: list[bytes] = []
    items = sorted(tree.entries.values(), key=lambda entry: entry.path)
    trailer = Entry("TRAILER!!!", 0)
    for ino, entry in enumerate([*items, trailer], start=1):
        name = entry.path.encode()
        head = _header(0 if entry is trailer else ino, entry, name) + name + b"\0"
        chunks += [head, _pad(len(head)), entry.data, _pad(len(entry.data))]
    return b"".join(chunks)


def compress(data: bytes) -> bytes:
    """gzip, with no name or time in the header (same input, same bytes).

    Measured under TCG: booting a gzip initramfs costs ~0.6 s less CPU than the same archive
    as xz (the kernel's gzip inflate is much faster), for ~0.9 MiB more image.
    """
    return gzip.compress(data, compresslevel=9, mtime=0)

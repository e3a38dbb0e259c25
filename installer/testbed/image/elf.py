"""Just enough ELF64 reading to ship binaries and kernel modules without running them.

Three questions are answered from the file alone (no ``ldd``, no ``modinfo`` on the host):
the shared libraries a program needs (``DT_NEEDED``), its program interpreter
(``PT_INTERP``) and a kernel module's ``.modinfo`` fields (``depends=``, ``name=`` ...).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from installer.errors import GuestImageError

_SHT_DYNAMIC = 6
_PT_INTERP = 3
_DT_NEEDED = 1


@dataclass(frozen=True)
class _Section:
    name: str
    kind: int
    offset: int
    size: int
    link: int


def _header(data: bytes, path: Path) -> tuple[int, int, int, int, int, int, int]:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise GuestImageError(f"{path} is not a little-endian 64-bit ELF file")
    (phoff, shoff) = struct.unpack_from("<QQ", data, 0x20)
    (phentsize, phnum, shentsize, shnum, shstrndx) = struct.unpack_from("<HHHHH", data, 0x36)
    return phoff, phentsize, phnum, shoff, shentsize, shnum, shstrndx


def _sections(data: bytes, path: Path) -> list[_Section]:
    _po, _pe, _pn, shoff, shentsize, shnum, shstrndx = _header(data, path)
    raw = []
    for i in range(shnum):
        name, kind, _flags, _addr, offset, size, link = struct.unpack_from(
            "<IIQQQQI", data, shoff + i * shentsize)
        raw.append((name, kind, offset, size, link))
    names_at = raw[shstrndx][2] if raw else 0
    return [
        _Section(_cstr(data, names_at + name), kind, offset, size, link)
        for name, kind, offset, size, link in raw
    ]


def _cstr(data: bytes, at: int) -> str:
    end = data.index(b"\0", at)
    return data[at:end].decode(errors="replace")


def needed(path: Path) -> list[str]:
    """The sonames a dynamically linked program or library asks for, in order."""
    data = path.read_bytes()
    sections = _sections(data, path)
    result: list[str] = []
    for section in sections:
        if section.kind != _SHT_DYNAMIC:
            continue
        strtab = sections[section.link].offset
        for at in range(section.offset, section.offset + section.size, 16):
            tag, value = struct.unpack_from("<qQ", data, at)
            if tag == 0:
                break
            if tag == _DT_NEEDED:
                result.append(_cstr(data, strtab + value))
    return result


def interpreter(path: Path) -> str | None:
    """The program interpreter (``/lib64/ld-linux-x86-64.so.2``) or None when static."""
    data = path.read_bytes()
    phoff, phentsize, phnum, *_rest = _header(data, path)
    for i in range(phnum):
        kind, _flags, offset, _vaddr, _paddr, size = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if kind == _PT_INTERP:
            return data[offset:offset + size].rstrip(b"\0").decode()
    return None


def modinfo(path: Path) -> dict[str, list[str]]:
    """A kernel module's ``.modinfo`` section as ``{field: [values]}``."""
    data = path.read_bytes()
    for section in _sections(data, path):
        if section.name == ".modinfo":
            fields: dict[str, list[str]] = {}
            blob = data[section.offset:section.offset + section.size]
            for entry in blob.split(b"\0"):
                key, sep, value = entry.decode(errors="replace").partition("=")
                if sep:
                    fields.setdefault(key, []).append(value)
            return fields
    raise GuestImageError(f"{path} has no .modinfo section (not a kernel module?)")


def module_depends(path: Path) -> list[str]:
    """Module names (underscored) that ``path`` needs loaded first."""
    values = modinfo(path).get("depends", [""])
    return [name.replace("-", "_") for value in values for name in value.split(",") if name]

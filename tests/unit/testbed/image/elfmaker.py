"""Tiny ELF64 files for the tests: a relocatable object with chosen sections (like a .ko)."""

from __future__ import annotations

import struct


def elf_with_sections(sections: dict[str, bytes]) -> bytes:
    """An ELF64 little-endian file whose section headers name ``sections`` (all PROGBITS)."""
    names = b"\0" + b"".join(name.encode() + b"\0" for name in [*sections, ".shstrtab"])
    body = b""
    offsets = []
    at = 64
    for data in [*sections.values(), names]:
        offsets.append(at + len(body))
        body += data
    shoff = 64 + len(body)
    count = len(sections) + 2  # the null section, ours, .shstrtab
    header = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    header += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, count,
                          count - 1)
    table = b"\0" * 64
    name_at = 1
    for (name, data), offset in zip([*sections.items(), (".shstrtab", names)], offsets,
                                    strict=True):
        kind = 3 if name == ".shstrtab" else 1
        table += struct.pack("<IIQQQQIIQQ", name_at, kind, 0, 0, offset, len(data), 0, 0, 1, 0)
        name_at += len(name) + 1
    return header + body + table


def kernel_module(name: str, depends: list[str]) -> bytes:
    info = f"license=GPL\0depends={','.join(depends)}\0name={name}\0vermagic=6.1.0 SMP\0"
    return elf_with_sections({".text": b"\xc3", ".modinfo": info.encode()})

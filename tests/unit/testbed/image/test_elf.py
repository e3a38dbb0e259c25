"""Reading ELF files without running them: libraries, interpreter, kernel module fields."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from installer.errors import GuestImageError
from installer.testbed.image import elf
from tests.unit.testbed.image.elfmaker import elf_with_sections, kernel_module


def test_host_program_needs_libc_and_has_the_x86_64_interpreter():
    ls = Path(shutil.which("ls") or "/bin/ls").resolve()
    assert "libc.so.6" in elf.needed(ls)
    assert elf.interpreter(ls) == "/lib64/ld-linux-x86-64.so.2"


def test_static_busybox_has_no_interpreter_and_needs_nothing():
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.skip("busybox-static not installed")
    assert elf.interpreter(Path(busybox)) is None
    assert elf.needed(Path(busybox)) == []


def test_module_fields_and_depends_are_underscored(tmp_path):
    ko = tmp_path / "sd_mod.ko"
    ko.write_bytes(kernel_module("sd_mod", ["scsi_mod", "t10-pi", "crc-t10dif"]))
    assert elf.module_depends(ko) == ["scsi_mod", "t10_pi", "crc_t10dif"]
    assert elf.modinfo(ko)["license"] == ["GPL"]


def test_module_without_depends(tmp_path):
    ko = tmp_path / "failover.ko"
    ko.write_bytes(kernel_module("failover", []))
    assert elf.module_depends(ko) == []


def test_errors_name_the_file(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an ELF file at all, just text long enough for a header" * 2)
    with pytest.raises(GuestImageError, match=r"notes\.txt is not"):
        elf.needed(text)
    plain = tmp_path / "plain.o"
    plain.write_bytes(elf_with_sections({".text": b"\xc3"}))
    with pytest.raises(GuestImageError, match=r"no \.modinfo"):
        elf.modinfo(plain)

"""Module selection: dependencies first, built-ins skipped, gaps named."""

from __future__ import annotations

from pathlib import Path

import pytest

from installer.errors import GuestImageError
from installer.testbed.image import kmods
from tests.unit.testbed.image.elfmaker import kernel_module


def tree(tmp_path: Path, modules: dict[str, list[str]], builtin: tuple[str, ...] = ()) -> Path:
    base = tmp_path / "lib/modules/6.1.0-56-amd64"
    for name, depends in modules.items():
        ko = base / "kernel" / "drivers" / f"{name}.ko"
        ko.parent.mkdir(parents=True, exist_ok=True)
        ko.write_bytes(kernel_module(name.replace("-", "_"), depends))
    (base / "modules.builtin").write_text("".join(f"kernel/x/{n}.ko\n" for n in builtin))
    return base


def test_dependencies_come_first_and_once(tmp_path):
    base = tree(tmp_path, {
        "virtio": [], "virtio_ring": [], "virtio_pci": ["virtio_ring", "virtio"],
        "virtio_net": ["virtio_ring", "virtio", "net_failover"],
        "net_failover": ["failover"], "failover": [],
    })
    names = [m.name for m in kmods.select(base, ("virtio_pci", "virtio_net"))]
    assert names == ["virtio_ring", "virtio", "virtio_pci", "failover", "net_failover",
                     "virtio_net"]


def test_hyphenated_file_names_and_builtins(tmp_path):
    base = tree(tmp_path, {"virtio-rng": ["virtio"]}, builtin=("virtio", "af_packet"))
    selected = kmods.select(base, ("virtio_rng", "af_packet"))
    assert [(m.name, m.path) for m in selected] == [
        ("virtio_rng", "kernel/drivers/virtio-rng.ko")]


def test_missing_wanted_module_is_named(tmp_path):
    base = tree(tmp_path, {"sd_mod": []})
    with pytest.raises(GuestImageError, match="no module for: ahci"):
        kmods.select(base, ("sd_mod", "ahci"))


def test_missing_dependency_is_named(tmp_path):
    base = tree(tmp_path, {"sd_mod": ["scsi_mod"]})
    with pytest.raises(GuestImageError, match="sd_mod needs scsi_mod"):
        kmods.select(base, ("sd_mod",))


def test_load_list_carries_parameters_and_modules_dep_the_closure(tmp_path):
    base = tree(tmp_path, {"scsi_mod": [], "cdrom": [], "sr_mod": ["scsi_mod", "cdrom"]})
    selected = kmods.select(base, ("sr_mod",))
    assert kmods.load_list(selected) == (
        "kernel/drivers/scsi_mod.ko scan=sync\nkernel/drivers/cdrom.ko\n"
        "kernel/drivers/sr_mod.ko\n")
    assert kmods.modules_dep(selected).splitlines()[-1] == (
        "kernel/drivers/sr_mod.ko: kernel/drivers/scsi_mod.ko kernel/drivers/cdrom.ko")

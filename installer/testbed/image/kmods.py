"""Which kernel modules the guest ships, with their dependencies, in the order /init loads them.

The Debian kernel package carries no ``modules.dep`` (``depmod`` runs at install time), so
dependencies come from each module's own ``.modinfo`` ``depends=`` field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from installer.errors import GuestImageError
from installer.testbed.image import elf

#: What the guest needs, in load order: the storage *class* drivers and filesystems come
#: before the host adapters, so a CD-ROM or disk found while an adapter probes binds at once.
#: ACPI (i440fx) and PCIe (q35) PCI hotplug are built into the Debian kernels.
WANTED: tuple[str, ...] = (
    "virtio_pci",  # every virtio device (net, blk, scsi, rng) on -machine pc and q35
    "virtio_rng",  # entropy for dropbear's host keys when the hypervisor offers it
    "sd_mod",  # SCSI/SATA disks
    "sr_mod",  # CD-ROMs: the config drive
    "isofs",  # the config drive's iso9660
    "vfat",  # a vfat config drive (nova's config_drive_format=vfat)
    "nls_cp437",  # vfat's default codepage
    "nls_utf8",  # vfat's default iocharset in Debian kernels
    "ata_piix",  # IDE on -machine pc: the config drive CD-ROM
    "ahci",  # SATA on -machine q35: the config drive CD-ROM
    "virtio_scsi",  # hw_scsi_model=virtio-scsi disks and CD-ROMs
    "virtio_blk",  # the root disk and volumes attached later (/dev/vdb ...)
    "virtio_net",  # the network
)

#: Module parameters: scan SCSI hosts synchronously, so insmod returns with the CD-ROM there.
PARAMS: dict[str, str] = {"scsi_mod": "scan=sync"}


@dataclass(frozen=True)
class Module:
    name: str  # underscored, as the kernel names it
    path: str  # relative to /lib/modules/<version>/
    depends: tuple[str, ...]


def index(module_dir: Path) -> dict[str, Path]:
    """Every ``.ko`` under ``module_dir/kernel`` by kernel name (virtio-rng.ko: virtio_rng)."""
    return {ko.stem.replace("-", "_"): ko for ko in sorted((module_dir / "kernel").rglob("*.ko"))}


def builtin(module_dir: Path) -> set[str]:
    path = module_dir / "modules.builtin"
    if not path.is_file():
        return set()
    return {Path(line).stem.replace("-", "_") for line in path.read_text().split()}


def select(module_dir: Path, wanted: tuple[str, ...] = WANTED) -> list[Module]:
    """``wanted`` plus dependencies, dependencies first; built-in ones are skipped."""
    available = index(module_dir)
    compiled_in = builtin(module_dir)
    missing = [name for name in wanted if name not in available and name not in compiled_in]
    if missing:
        raise GuestImageError(
            f"the kernel in {module_dir} has no module for: {', '.join(missing)}",
            hint="choose a kernel flavour that has them "
                 "(installer/testbed/image/build.py KERNEL_META)")
    ordered: list[Module] = []
    seen: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in seen or name in compiled_in:
            return
        if name in chain:
            raise GuestImageError(f"kernel module dependency loop: {' -> '.join(chain)}")
        path = available.get(name)
        if path is None:
            raise GuestImageError(f"kernel module {chain[-1]} needs {name}, which is missing")
        depends = tuple(elf.module_depends(path))
        for dep in depends:
            visit(dep, (*chain, name))
        seen.add(name)
        ordered.append(Module(name, str(path.relative_to(module_dir)), depends))

    for name in wanted:
        visit(name, ())
    return ordered


def load_list(modules: list[Module], params: dict[str, str] = PARAMS) -> str:
    """The file /init reads: one ``path [params]`` line per module, in load order."""
    return "".join(
        f"{module.path} {params[module.name]}\n" if module.name in params else f"{module.path}\n"
        for module in modules
    )


def modules_dep(modules: list[Module]) -> str:
    """A ``modules.dep`` for the shipped modules, so busybox modprobe works in the guest."""
    paths = {module.name: module.path for module in modules}

    def closure(name: str) -> list[str]:
        result: list[str] = []
        for dep in next(m for m in modules if m.name == name).depends:
            if dep in paths:
                for item in [paths[dep], *closure(dep)]:
                    if item not in result:
                        result.append(item)
        return result

    return "".join(f"{m.path}: {' '.join(closure(m.name))}".rstrip() + "\n" for m in modules)

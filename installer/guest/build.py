"""Build (or take from the cache) the bootable guest disk image.

:func:`build_image` resolves the Debian package versions the guest is made of, hashes them
with the init script, the udhcpc script, the kernel command line and this package's build
code into a cache key, and returns the cached image for that key when there is one. Otherwise
it downloads and unpacks the packages in a temporary directory inside the cache, assembles
the initramfs and the disk there, and renames the finished entry into place, so a half-built
image is never visible. A lock file serialises concurrent builds.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from installer.errors import GuestImageError
from installer.guest import cpio, disk, host, packages, rootfs
from installer.guest.packages import Package

DEFAULT_CACHE = Path("/var/cache/stackinstall/images/guest")
#: The Debian kernel meta package; its versioned linux-image-6.1.0-*-amd64 is what ships.
#: The generic flavour, not cloud-amd64: the cloud kernel has no AHCI driver, so on
#: ``-machine q35`` (config drive on a SATA CD-ROM) it could not read the config drive.
KERNEL_META = "linux-image-amd64"
USERLAND: tuple[str, ...] = ("busybox-static", "dropbear-bin")
#: Host packages whose files end up in the image (syslinux writes its boot code).
HOST_PACKAGES: tuple[str, ...] = ("syslinux",)
#: Serial console last: it becomes /dev/console, which nova's console log records.
CMDLINE = (
    "console=tty0 console=ttyS0,115200 quiet clocksource=tsc tsc=reliable no_timer_check "
    "mitigations=off random.trust_cpu=on i8042.noaux"
)
#: Bump when the recipe changes in a way the hashed files below do not show.
RECIPE_VERSION = "1"
#: The modules whose source is part of the cache key (the build code version).
_RECIPE_MODULES = ("build.py", "cpio.py", "disk.py", "kmods.py", "rootfs.py", "elf.py")
_MANIFEST = "manifest.json"
_DISK = "disk.raw"


@dataclass(frozen=True)
class GuestImage:
    """A bootable raw disk image (and the kernel and initramfs inside it, for direct boots)."""

    path: Path
    disk_format: str
    size_bytes: int
    sha256: str
    kernel_version: str
    built: bool
    kernel: Path
    initrd: Path
    cmdline: str
    key: str
    packages: tuple[tuple[str, str], ...]
    build_seconds: float


@dataclass(frozen=True)
class Inputs:
    """Everything that shapes the image; :meth:`key` changes when any of it changes."""

    kernel: Package
    userland: tuple[Package, ...]
    host_versions: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, str], ...]  # (name, sha256) of data files and build code
    cmdline: str = CMDLINE
    recipe: str = RECIPE_VERSION

    @property
    def kernel_version(self) -> str:
        return self.kernel.name.removeprefix("linux-image-")

    def key(self) -> str:
        lines = [
            f"recipe {self.recipe}",
            f"cmdline {self.cmdline}",
            f"kernel {self.kernel.pin}",
            *(f"deb {package.pin}" for package in sorted(self.userland, key=lambda p: p.name)),
            *(f"host {name}={version}" for name, version in sorted(self.host_versions)),
            *(f"file {name} {digest}" for name, digest in sorted(self.files)),
        ]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def recipe_files() -> tuple[tuple[str, str], ...]:
    here = Path(__file__).resolve().parent
    names = ("init.sh", "udhcpc.sh", *_RECIPE_MODULES)
    return tuple(
        (name, _sha256(rootfs.data_file(name) if name.endswith(".sh")
                       else (here / name).read_bytes()))
        for name in names
    )


def resolve_inputs() -> Inputs:
    """Ask apt (no download) which package versions a build would use now."""
    kernel = packages.kernel_package(KERNEL_META)
    userland = tuple(packages.with_dependencies(list(USERLAND)))
    hosts = tuple((name, host.installed_version(name)) for name in HOST_PACKAGES)
    return Inputs(kernel, userland, hosts, recipe_files())


@contextmanager
def _lock(cache: Path) -> Iterator[None]:
    with open(cache / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(entry: Path) -> GuestImage | None:
    """The cached image in ``entry``, or None when there is no complete one."""
    try:
        manifest = json.loads((entry / _MANIFEST).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    path = entry / _DISK
    if not path.is_file() or path.stat().st_size != manifest["size_bytes"]:
        return None
    return GuestImage(
        path=path, disk_format="raw", size_bytes=manifest["size_bytes"],
        sha256=manifest["sha256"], kernel_version=manifest["kernel_version"], built=False,
        kernel=entry / "vmlinuz", initrd=entry / "initrd.img", cmdline=manifest["cmdline"],
        key=manifest["key"], packages=tuple((n, v) for n, v in manifest["packages"]),
        build_seconds=float(manifest["build_seconds"]),
    )


def _assemble(inputs: Inputs, work: Path, out: Path) -> None:
    """Download, unpack and assemble into ``out`` (vmlinuz, initrd.img, disk.raw)."""
    tree_root = work / "root"
    debs = packages.download([inputs.kernel, *inputs.userland], work / "debs")
    packages.unpack(debs, tree_root)
    version = inputs.kernel_version
    vmlinuz = tree_root / "boot" / f"vmlinuz-{version}"
    if not vmlinuz.is_file() or not (tree_root / "lib" / "modules" / version).is_dir():
        raise GuestImageError(f"{inputs.kernel.pin} has no vmlinuz-{version} or its modules")
    release = "".join(
        f"{line}\n" for line in (
            f"key={inputs.key()}", f"kernel={inputs.kernel.pin}",
            *(f"package={package.pin}" for package in inputs.userland),
        )
    )
    tree = rootfs.build_tree(tree_root, version, release)
    out.mkdir()
    shutil.copyfile(vmlinuz, out / "vmlinuz")
    (out / "initrd.img").write_bytes(cpio.xz(cpio.newc(tree)))
    disk.make_disk(out / _DISK, out / "vmlinuz", out / "initrd.img", inputs.cmdline,
                   volume_id=inputs.key()[:8])


def _clean_stale(cache: Path) -> None:
    """Remove leftovers of interrupted builds (called with the lock held: none is running)."""
    for leftover in cache.glob(".building-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def build_image(cache_dir: Path | None = None, force: bool = False) -> GuestImage:
    """Return the guest image for the current inputs, building it unless cached (or forced)."""
    cache = cache_dir or DEFAULT_CACHE
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise GuestImageError(f"cannot create the image cache {cache}",
                              hint="run as root or pass another cache directory") from None
    host.ensure_tools()
    inputs = resolve_inputs()
    key = inputs.key()
    entry = cache / key
    if not force and (cached := _load(entry)):
        return cached
    with _lock(cache):
        if not force and (cached := _load(entry)):  # another process built it meanwhile
            return cached
        _clean_stale(cache)
        started = time.monotonic()
        staging = cache / f".building-{key}-{os.getpid()}"
        try:
            staging.mkdir()
            out = staging / "out"
            _assemble(inputs, staging / "work", out)
            image = out / _DISK
            manifest = {
                "key": key, "sha256": _sha256(image.read_bytes()),
                "size_bytes": image.stat().st_size, "kernel_version": inputs.kernel_version,
                "cmdline": inputs.cmdline, "disk_format": "raw",
                "packages": [[p.name, p.version] for p in (inputs.kernel, *inputs.userland)],
                "build_seconds": round(time.monotonic() - started, 1),
            }
            (out / _MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            if entry.exists():
                old = staging / "replaced"
                os.rename(entry, old)
            os.rename(out, entry)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    built = _load(entry)
    if built is None:
        raise GuestImageError(f"the built image in {entry} is incomplete")
    return GuestImage(**{**built.__dict__, "built": True})

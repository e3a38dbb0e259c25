"""Build (or take from the cache) the bootable guest disk image.

:func:`build_image` resolves the Debian package versions the guest is made of, hashes them
with the init script, the udhcpc script, the kernel command line and this package's build
code into a cache key, and returns the cached image for that key when there is one. Otherwise
it downloads and unpacks the packages in a temporary directory inside the cache, assembles
the initramfs and the disk there, and renames the finished entry into place, so a half-built
image is never visible. A lock file serialises concurrent builds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

from installer.errors import GuestImageError
from installer.local import file_lock
from installer.testbed.image import cpio, disk, host, packages, rootfs
from installer.testbed.image.inputs import Inputs, resolve_inputs

DEFAULT_CACHE = Path("/var/cache/stackinstall/images/guest")
#: Cached images kept (the newest); older ones are removed after a build.
KEEP = 3
#: The .deb files of the current package versions, kept for rebuilds (a code change).
DEBS = ".debs"
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _assemble(inputs: Inputs, debs_dir: Path, work: Path, out: Path) -> None:
    """Download (into ``debs_dir``), unpack and assemble into ``out``."""
    tree_root = work / "root"
    debs = packages.download(list(inputs.packages), debs_dir)
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
    (out / "initrd.img").write_bytes(cpio.compress(cpio.newc(tree)))
    disk.make_disk(out / _DISK, out / "vmlinuz", out / "initrd.img", inputs.cmdline,
                   volume_id=inputs.key()[:8])


def _clean_stale(cache: Path) -> None:
    """Remove leftovers of interrupted builds (called with the lock held: none is running)."""
    for leftover in cache.glob(".building-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _prune(cache: Path, keep: int = KEEP) -> list[Path]:
    """Remove all but the ``keep`` newest cached images (called with the lock held)."""
    entries = sorted(
        (entry for entry in cache.iterdir()
         if entry.is_dir() and not entry.name.startswith(".") and (entry / _MANIFEST).is_file()),
        key=lambda entry: (entry / _MANIFEST).stat().st_mtime, reverse=True,
    )
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return entries[keep:]


def build_image(cache_dir: Path | None = None, force: bool = False) -> GuestImage:
    """Return the guest image for the current inputs, building it unless cached (or forced).

    ``cache_dir`` defaults to /var/cache/stackinstall/images/guest/; each image lives in
    ``<cache_dir>/<key>/`` as disk.raw (what to upload), vmlinuz and initrd.img (the same
    kernel and initramfs, for direct-kernel boots) and manifest.json.
    """
    cache = cache_dir or DEFAULT_CACHE
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GuestImageError(f"cannot create the image cache {cache}: {exc.strerror}",
                              hint="run as root or pass another cache directory") from None
    host.ensure_tools()
    inputs = resolve_inputs(cache)
    key = inputs.key()
    entry = cache / key
    if not force and (cached := _load(entry)):
        return cached
    with file_lock(cache / ".lock"):
        if not force and (cached := _load(entry)):  # another process built it meanwhile
            return cached
        _clean_stale(cache)
        started = time.monotonic()
        staging = cache / f".building-{key}-{os.getpid()}"
        try:
            staging.mkdir()
            out = staging / "out"
            _assemble(inputs, cache / DEBS, staging / "work", out)
            image = out / _DISK
            manifest = {
                "key": key, "sha256": file_sha256(image),
                "size_bytes": image.stat().st_size, "kernel_version": inputs.kernel_version,
                "cmdline": inputs.cmdline, "disk_format": "raw",
                "packages": [[p.name, p.version] for p in inputs.packages],
                "build_seconds": round(time.monotonic() - started, 1),
            }
            (out / _MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            if entry.exists():
                old = staging / "replaced"
                os.rename(entry, old)
            os.rename(out, entry)
            _prune(cache)
            packages.forget_others(list(inputs.packages), cache / DEBS)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    built = _load(entry)
    if built is None:
        raise GuestImageError(f"the built image in {entry} is incomplete")
    return replace(built, built=True)

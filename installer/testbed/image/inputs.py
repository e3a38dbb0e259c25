"""What the guest image is made of, and the cache key that names it.

The inputs are the Debian package versions apt would use now (the versioned kernel behind
``linux-image-amd64``, busybox-static, dropbear-bin and its libraries), the host's syslinux
version (its boot code is written into the image), the init and udhcpc scripts, the build
code itself and the kernel command line. Any change gives a new :meth:`Inputs.key`.

Asking apt takes about a second per ``apt-cache`` call on a host without apt's binary cache,
so the answer is remembered next to the images together with a fingerprint of what decides
it (the package lists and apt's configuration): a cache hit then needs no apt call at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from installer.testbed.image import host, packages, rootfs
from installer.testbed.image.packages import Package

#: The Debian kernel meta package; its versioned linux-image-6.1.0-*-amd64 is what ships.
#: The generic flavour, not cloud-amd64: the cloud kernel has no AHCI driver, so on
#: ``-machine q35`` (config drive on a SATA CD-ROM) it could not read the config drive.
KERNEL_META = "linux-image-amd64"
USERLAND: tuple[str, ...] = ("busybox-static", "dropbear-bin")
#: Host packages whose files end up in the image (syslinux writes its boot code).
HOST_PACKAGES: tuple[str, ...] = ("syslinux",)
#: Serial console last: it becomes /dev/console, which nova's console log records. The rest
#: is for speed under TCG (qemu without KVM), measured as qemu's CPU time to the booted line
#: (wall time on a shared host is too noisy): quiet (-0.2 s, less serial output), the TSC
#: trusted without watchdog or timer checks and no CPU-bug mitigations (-0.2 s), no crypto
#: self-tests at boot (-0.3 s). Disabling the LSMs, audit or KASLR gained nothing measurable.
CMDLINE = (
    "console=tty0 console=ttyS0,115200 quiet clocksource=tsc tsc=reliable no_timer_check "
    "mitigations=off random.trust_cpu=on i8042.noaux cryptomgr.notests"
)
#: Bump when the recipe changes in a way the hashed files below do not show.
RECIPE_VERSION = "1"
#: Data files and the modules whose source is part of the key (the build code version).
RECIPE_FILES = ("init.sh", "udhcpc.sh", "build.py", "cpio.py", "disk.py", "elf.py",
                "inputs.py", "kmods.py", "rootfs.py")
APT_STATE_DIRS = (Path("/var/lib/apt/lists"), Path("/etc/apt"))
MEMO = ".resolved.json"


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
        """``uname -r`` of the guest: linux-image-6.1.0-56-amd64 -> 6.1.0-56-amd64."""
        return self.kernel.name.removeprefix("linux-image-")

    @property
    def packages(self) -> tuple[Package, ...]:
        return (self.kernel, *self.userland)

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


def recipe_files(names: tuple[str, ...] = RECIPE_FILES) -> tuple[tuple[str, str], ...]:
    here = Path(__file__).resolve().parent
    return tuple(
        (name, hashlib.sha256(
            rootfs.data_file(name) if name.endswith(".sh") else (here / name).read_bytes()
        ).hexdigest())
        for name in names
    )


def apt_state(dirs: tuple[Path, ...] | None = None) -> str:
    """A fingerprint of what decides apt's candidate versions (lists, sources, pinning)."""
    digest = hashlib.sha256()
    for base in dirs or APT_STATE_DIRS:
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.name == "lock" or "partial" in path.parts:
                continue
            info = path.stat()
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _package_json(package: Package) -> list[object]:
    return [package.name, package.version, list(package.depends)]


def _package(raw: list[object]) -> Package:
    name, version, depends = raw
    return Package(str(name), str(version), tuple(str(d) for d in depends))  # type: ignore[union-attr]


def _resolve_packages(memo: Path | None) -> tuple[Package, tuple[Package, ...]]:
    state = {"apt": apt_state(), "kernel_meta": KERNEL_META, "userland": list(USERLAND)}
    if memo is not None:
        try:
            saved = json.loads(memo.read_text())
            if saved["state"] == state:
                return _package(saved["kernel"]), tuple(_package(p) for p in saved["packages"])
        except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError, ValueError):
            pass
    kernel = packages.kernel_package(KERNEL_META)
    userland = tuple(packages.with_dependencies(list(USERLAND)))
    if memo is not None:
        record = {"state": state, "kernel": _package_json(kernel),
                  "packages": [_package_json(p) for p in userland]}
        tmp = memo.with_name(memo.name + ".tmp")
        tmp.write_text(json.dumps(record, indent=1) + "\n")
        tmp.replace(memo)
    return kernel, userland


def resolve_inputs(cache: Path | None = None) -> Inputs:
    """The inputs a build would use now; ``cache`` holds the remembered apt answer."""
    kernel, userland = _resolve_packages(cache / MEMO if cache else None)
    hosts = tuple((name, host.installed_version(name)) for name in HOST_PACKAGES)
    return Inputs(kernel, userland, hosts, recipe_files())

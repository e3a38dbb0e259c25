"""The cached node image: a debootstrapped Debian root (one per suite), built once and shared.

It is built into a temporary directory and renamed into place only when complete, so a
half-built image is never used; a lock file serialises concurrent builds by several labs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from installer.errors import LabError
from installer.local import file_lock
from installer.testbed.lab.paths import image_dir
from installer.testbed.lab.sources import SUITE, Mirrors
from installer.testbed.lab.system import run

RECIPE_VERSION = "2"
PACKAGES: tuple[str, ...] = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "python3-apt",
    "iproute2",
    "iputils-ping",
    "procps",
    "sudo",
    "locales",
    "ca-certificates",
    "gnupg",
    "less",
)
# Timers that would start apt in every node at random moments, fighting with deployments.
MASKED_UNITS: tuple[str, ...] = ("apt-daily.timer", "apt-daily-upgrade.timer")
BUILD_TIMEOUT = 1800


def image_key(mirror: str, suite: str = SUITE, packages: tuple[str, ...] = PACKAGES) -> str:
    """A short digest of everything that shapes the image; a change means a new image."""
    recipe = "\n".join([RECIPE_VERSION, suite, mirror, *sorted(packages)])
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def image_path(mirror: str, cache: Path | None = None, suite: str = SUITE) -> Path:
    return (cache or image_dir()) / f"debian-{suite}-{image_key(mirror, suite)}"


def debootstrap_argv(target: Path, mirror: str, suite: str = SUITE) -> list[str]:
    return [
        "debootstrap",
        "--variant=minbase",
        "--include=" + ",".join(PACKAGES),
        suite,
        str(target),
        mirror,
    ]


def ensure_image(mirrors: Mirrors, log: Path, suite: str = SUITE) -> tuple[Path, bool]:
    """Return the image directory, building it first if needed; the bool says it was built."""
    final = image_path(mirrors.main, suite=suite)
    if (final / "etc" / "os-release").exists():
        return final, False
    with file_lock(final.parent / ".build.lock"):
        if (final / "etc" / "os-release").exists():  # another lab built it meanwhile
            return final, False
        tmp = final.parent / f".{final.name}.building-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        log.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        proc = run(debootstrap_argv(tmp, mirrors.main, suite), check=False, timeout=BUILD_TIMEOUT)
        log.write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise LabError(
                f"building the node image with debootstrap failed (exit {proc.returncode})",
                hint=f"see {log}; check that {mirrors.main} is reachable from this host",
            )
        finish(tmp)
        os.rename(tmp, final)
        (final.parent / f"{final.name}.built").write_text(
            f"{suite} built in {time.monotonic() - started:.0f} s from {mirrors.main}\n"
        )
    return final, True


def finish(root: Path) -> None:
    """Make the image neutral: no host keys, no machine id, no host sources, no apt timers."""
    for key in (root / "etc" / "ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc" / "machine-id").write_text("")
    dbus_id = root / "var" / "lib" / "dbus" / "machine-id"
    if dbus_id.is_file() and not dbus_id.is_symlink():
        dbus_id.unlink()
    (root / "etc" / "apt" / "sources.list").unlink(missing_ok=True)
    for unit in MASKED_UNITS:
        link = root / "etc" / "systemd" / "system" / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    for deb in (root / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        deb.unlink()
    for lists in (root / "var" / "lib" / "apt" / "lists").glob("*_dists_*"):
        lists.unlink()


def remove_images(cache: Path | None = None) -> list[Path]:
    """Delete every cached image (the caller makes sure no lab uses one)."""
    base = cache or image_dir()
    removed: list[Path] = []
    if not base.is_dir():
        return removed
    with file_lock(base / ".build.lock"):
        for entry in base.iterdir():
            if entry.name.startswith(("debian-", "vm-debian-")) and entry.is_dir():
                shutil.rmtree(entry)
                removed.append(entry)
            elif entry.name.endswith(".built"):
                entry.unlink()
    return removed

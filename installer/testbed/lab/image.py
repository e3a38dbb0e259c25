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

from installer.console import warn
from installer.errors import LabError
from installer.local import file_lock
from installer.testbed.lab.paths import image_dir
from installer.testbed.lab.sources import SUITE, Mirrors
from installer.testbed.lab.system import mounts_under, process_start_time, run

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
        clear_stale_builds(final.parent, final.name)
        tmp = building_dir(final)
        discard_build(tmp)
        log.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        try:
            proc = run(debootstrap_argv(tmp, mirrors.main, suite), check=False,
                       timeout=BUILD_TIMEOUT)
        except BaseException:  # interrupted: debootstrap may have left /proc mounted in it
            discard_build(tmp)
            raise
        log.write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            discard_build(tmp)
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


def building_dir(final: Path) -> Path:
    """Where this process builds the image that becomes ``final``."""
    return final.parent / f".{final.name}.building-{os.getpid()}"


def discard_build(tmp: Path, mountinfo: Path = Path("/proc/self/mountinfo")) -> bool:
    """Remove an unfinished build directory; False if a mount in it could not be undone.

    debootstrap and the chroot steps mount /proc and /sys inside the tree; a build cut off
    (Ctrl-C, a time limit) leaves them there, and deleting through a mount would reach the
    host's files. So the mounts go first, deepest first, and a tree still holding one is
    left alone and named.
    """
    for target in sorted(mounts_under(tmp, mountinfo), key=len, reverse=True):
        run(["umount", "--lazy", target], check=False)
    left = mounts_under(tmp, mountinfo)
    if left:
        warn(f"left {tmp} in place: still mounted in it: {', '.join(left)}")
        return False
    shutil.rmtree(tmp, ignore_errors=True)
    return not tmp.exists()


def clear_stale_builds(parent: Path, name: str) -> list[Path]:
    """Discard the build directories of ``name`` whose building process is gone."""
    cleared = []
    for entry in sorted(parent.glob(f".{name}.building-*")):
        pid = entry.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() \
                and process_start_time(int(pid)) is None and discard_build(entry):
            cleared.append(entry)
    return cleared


#: What open-iscsi's package puts in /etc/iscsi/initiatorname.iscsi before a node has a name.
INITIATOR_TEMPLATE = "GenerateName=yes\n"


def finish(root: Path) -> None:
    """Make the image neutral: no host keys, no machine id, no initiator name, no host
    sources, no apt timers."""
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
    # open-iscsi's postinst names the initiator once; every node booted from a layer that
    # holds it would share that name, and a target mixes up the sessions of nodes with one
    # name. Debian's iscsid start-up check makes a node its own from this line.
    initiator = root / "etc" / "iscsi" / "initiatorname.iscsi"
    if initiator.is_file():
        initiator.write_text(INITIATOR_TEMPLATE)


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

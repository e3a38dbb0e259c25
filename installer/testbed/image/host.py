"""Host commands for the guest image build: running them, and the Debian packages behind them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from installer import local
from installer.errors import GuestImageError
from installer.testbed.hosttools import Tool, missing_packages

#: Commands the build runs, and the Debian package of each.
TOOLS: tuple[Tool, ...] = (
    Tool("apt-get", "apt"),
    Tool("apt-cache", "apt"),
    Tool("dpkg-deb", "dpkg"),
    Tool("dpkg-query", "dpkg"),
    Tool("mkfs.vfat", "dosfstools"),
    Tool("mcopy", "mtools"),
    Tool("syslinux", "syslinux"),
)


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    check: bool = True,
    timeout: float = 600,
    hint: str | None = None,
) -> str:
    """Run ``argv`` (never through a shell) and return its stdout; raise on failure if ``check``."""
    return local.run(
        argv, error=GuestImageError, check=check, timeout=timeout, hint=hint, cwd=cwd,
        env={**os.environ, "LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"},
    ).stdout


def ensure_tools(tools: tuple[Tool, ...] = TOOLS) -> list[str]:
    """Install the Debian packages of missing tools with apt-get; return what was installed."""
    packages = missing_packages(tools)
    if not packages:
        return []
    if os.geteuid() != 0:
        raise GuestImageError(
            "building the guest image needs these Debian packages: " + ", ".join(packages),
            hint=f"run `apt-get install {' '.join(packages)}` as root, or build as root",
        )
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        timeout=900, hint="check that the Debian mirror is reachable (`apt-get update`)")
    still = missing_packages(tools)
    if still:
        raise GuestImageError("apt-get did not provide " + ", ".join(still),
                              hint="install them by hand and retry")
    return packages


def installed_version(package: str) -> str:
    """The installed version of a Debian package on this host ('' when not installed)."""
    try:
        return run(["dpkg-query", "-W", "-f=${Version}", package]).strip()
    except GuestImageError:
        return ""

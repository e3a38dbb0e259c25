"""What the host must offer before a lab can be created, with the fix for each gap."""

from __future__ import annotations

import shutil
from pathlib import Path

from installer.console import out
from installer.errors import LabError
from installer.testbed import hosttools
from installer.testbed.hosttools import Tool
from installer.testbed.lab.system import is_root, run

GIB = 1024**3
MIB = 1024**2
IMAGE_DISK = 1 * GIB
NODE_DISK = 2 * GIB
NODE_MEMORY = 512 * MIB


TOOLS: tuple[Tool, ...] = (
    Tool("systemd-nspawn", "systemd-container"),
    Tool("debootstrap", "debootstrap"),
    Tool("apt-cacher-ng", "apt-cacher-ng"),
    Tool("ip", "iproute2"),
    Tool("ssh", "openssh-client"),
    Tool("ssh-keygen", "openssh-client"),
)

#: Only a lab with VM nodes needs these (scripts/setup.sh installs them).
VM_TOOLS: tuple[Tool, ...] = (
    Tool("qemu-system-x86_64", "qemu-system-x86"),
    Tool("qemu-img", "qemu-utils"),
    Tool("mkfs.ext4", "e2fsprogs"),
)


def require_root() -> None:
    if not is_root():
        raise LabError(
            "the lab needs root (it creates network namespaces, bridges, mounts and containers)",
            hint="run it as root, e.g. `sudo stackinstall lab ...`",
        )


def missing_packages(tools: tuple[Tool, ...] = TOOLS) -> list[str]:
    return hosttools.missing_packages(tools)


def require_tools(install_missing: bool, tools: tuple[Tool, ...] = TOOLS) -> None:
    packages = missing_packages(tools)
    if not packages:
        return
    if not install_missing:
        raise LabError(
            "missing Debian packages for the lab: " + ", ".join(packages),
            hint=f"install them with `apt-get install {' '.join(packages)}` "
            "or pass --install-missing",
        )
    out.print(f"installing {', '.join(packages)} with apt-get")
    run(["apt-get", "install", "-y", "--no-install-recommends", *packages], timeout=900)
    still = missing_packages(tools)
    if still:
        raise LabError("apt-get did not provide " + ", ".join(still),
                       hint="install them by hand and retry")


def need_disk(nodes: int, image_cached: bool) -> int:
    return nodes * NODE_DISK + (0 if image_cached else IMAGE_DISK)


def require_resources(
    nodes: int, image_cached: bool, disk_path: Path, meminfo: Path = Path("/proc/meminfo"),
    vm_memory: int = 0,
) -> None:
    """Disk and memory for ``nodes`` new nodes; ``vm_memory`` (bytes) is what their VMs
    are given on top (a VM's memory is its own, not shared with the host's page cache)."""
    probe = disk_path
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    need = need_disk(nodes, image_cached)
    if free < need:
        raise LabError(
            f"not enough disk for {nodes} lab nodes: {free / GIB:.1f} GiB free on {probe}, "
            f"{need / GIB:.1f} GiB needed",
            hint="free disk space or use fewer --nodes",
        )
    available = mem_available(meminfo)
    need_mem = nodes * NODE_MEMORY + vm_memory
    if available < need_mem:
        raise LabError(
            f"not enough memory for {nodes} lab nodes: {available / MIB:.0f} MiB available, "
            f"{need_mem / MIB:.0f} MiB needed",
            hint="free memory or use fewer --nodes",
        )


def mem_available(meminfo: Path = Path("/proc/meminfo")) -> int:
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0

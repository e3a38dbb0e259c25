"""Loop devices of the nodes: passed into the containers, detached when a node goes away.

A storage node attaches a loop device for cinder's loop-backed volume group. Loop devices
belong to the host's kernel, so one a node attached outlives the node; ``lab down``
detaches every loop device whose backing file lies inside that node's root file system.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SYS_BLOCK = Path("/sys/block")


def device_nodes(dev: Path = Path("/dev")) -> list[str]:
    """The host's loop control node and loop devices, to bind into each container."""
    names = sorted(dev.glob("loop[0-9]*"), key=lambda p: int(p.name[4:]))
    control = dev / "loop-control"
    return ([str(control)] if control.exists() else []) + [str(p) for p in names]


def backed_under(root: Path, sys_block: Path = SYS_BLOCK) -> list[str]:
    """Loop devices (``/dev/loopN``) whose backing file is inside ``root``."""
    found = []
    prefix = str(root).rstrip("/") + "/"
    for backing in sorted(sys_block.glob("loop*/loop/backing_file")):
        try:
            path = backing.read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if path.startswith(prefix):
            found.append(f"/dev/{backing.parent.parent.name}")
    return found


def detach_under(root: Path) -> list[str]:
    """Detach the loop devices backed by files inside ``root``; returns those detached."""
    detached = []
    for device in backed_under(root):
        done = subprocess.run(["losetup", "-d", device], capture_output=True, check=False)
        if done.returncode == 0:
            detached.append(device)
    return detached

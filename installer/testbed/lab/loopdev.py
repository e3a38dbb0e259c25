"""Loop devices of the nodes: passed into the containers, detached when a node goes away.

A storage node attaches a loop device for cinder's loop-backed volume group. Loop devices
belong to the host's kernel, so one a node attached outlives the node; ``lab down``
detaches every loop device whose backing file lies inside that node's root file system.
The kernel records the backing file's path as the container saw it, so a device is matched
by the file's device and inode, not by its path.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

LIST = ["losetup", "--list", "--json", "--output", "NAME,BACK-FILE,BACK-INO,BACK-MAJ:MIN"]


def device_nodes(dev: Path = Path("/dev")) -> list[str]:
    """The host's loop control node and loop devices, to bind into each container."""
    names = sorted(dev.glob("loop[0-9]*"), key=lambda p: int(p.name[4:]))
    control = dev / "loop-control"
    return ([str(control)] if control.exists() else []) + [str(p) for p in names]


def backed_under(root: Path, listing: str) -> list[str]:
    """Devices of ``listing`` (``losetup --list --json``) backed by a file inside ``root``."""
    found = []
    for entry in json.loads(listing or "{}").get("loopdevices", []):
        back, ino, majmin = entry.get("back-file"), entry.get("back-ino"), entry.get("back-maj:min")
        if not back or ino is None or not majmin:
            continue
        candidate = root / str(back).lstrip("/")
        try:
            st = candidate.stat()
        except OSError:
            continue
        major, minor = (int(x) for x in str(majmin).strip().split(":"))
        if st.st_ino == int(ino) and (os.major(st.st_dev), os.minor(st.st_dev)) == (major, minor):
            found.append(str(entry["name"]))
    return found


def detach_under(root: Path) -> list[str]:
    """Detach the loop devices backed by files inside ``root``; returns those detached."""
    listing = subprocess.run(LIST, capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        return []
    detached = []
    for device in backed_under(root, listing.stdout):
        done = subprocess.run(["losetup", "-d", device], capture_output=True, check=False)
        if done.returncode == 0:
            detached.append(device)
    return detached

"""A cgroup of its own for every node, in the hierarchies systemd uses.

With ``--keep-unit`` nspawn runs the container in nspawn's own cgroup (adding ``supervisor``
and ``payload`` below it). Started from the host's root cgroup, every container would share
``/payload`` and their systemd instances would fight over the same ``system.slice``; so each
nspawn is moved into ``<hierarchy>/si-<lab>/<node>`` before it starts. Only the
controller-less hierarchies (``name=systemd`` and the unified one) are used; resource
controllers such as memory are left as the host set them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

HIERARCHIES: tuple[Path, ...] = (
    Path("/sys/fs/cgroup/systemd"),
    Path("/sys/fs/cgroup/unified"),
)


def _available(hierarchies: tuple[Path, ...]) -> list[Path]:
    """Mounted hierarchies; on a pure cgroup v2 host that is /sys/fs/cgroup itself."""
    found = [h for h in hierarchies if (h / "cgroup.procs").exists()]
    if not found and Path("/sys/fs/cgroup/cgroup.controllers").exists():
        found = [Path("/sys/fs/cgroup")]
    return found


def lab_group(lab: str) -> str:
    return f"si-{lab}"


def node_paths(lab: str, node: str, hierarchies: tuple[Path, ...] = HIERARCHIES) -> list[Path]:
    return [h / lab_group(lab) / node for h in _available(hierarchies)]


def prepare(lab: str, node: str) -> list[Path]:
    """Create the node's cgroups; return them (to join with :func:`joiner`)."""
    paths = node_paths(lab, node)
    for path in paths:
        path.mkdir(parents=True, exist_ok=True)
    return paths


def joiner(paths: list[Path]) -> Callable[[], None]:
    """A ``preexec_fn`` that moves the starting child into ``paths``."""

    def join() -> None:
        pid = str(os.getpid())
        for path in paths:
            with open(path / "cgroup.procs", "w") as fh:
                fh.write(pid)

    return join


def remove(lab: str, hierarchies: tuple[Path, ...] = HIERARCHIES) -> list[str]:
    """Remove the lab's (empty) cgroup trees, deepest first; returns what was removed."""
    removed: list[str] = []
    for hierarchy in _available(hierarchies):
        top = hierarchy / lab_group(lab)
        if not top.is_dir():
            continue
        dirs = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
        for path in [*dirs, top]:
            try:
                path.rmdir()
            except OSError:
                continue
        if not top.exists():
            removed.append(str(top))
    return removed


def leftovers(lab: str, hierarchies: tuple[Path, ...] = HIERARCHIES) -> list[str]:
    return [str(h / lab_group(lab)) for h in _available(hierarchies)
            if (h / lab_group(lab)).exists()]


def processes(lab: str, node: str | None = None,
              hierarchies: tuple[Path, ...] = HIERARCHIES) -> list[int]:
    """PIDs in the lab's (or one node's) cgroup tree: by construction, processes of the lab."""
    pids: set[int] = set()
    for hierarchy in _available(hierarchies):
        top = hierarchy / lab_group(lab)
        if node:
            top = top / node
        if not top.is_dir():
            continue
        for procs in top.rglob("cgroup.procs"):
            try:
                pids.update(int(x) for x in procs.read_text().split())
            except OSError:
                continue
    return sorted(pids)

"""The least CPU, memory and free disk a node needs for its topology roles.

Measured peaks on the four-node lab (PSS of each node's processes during a deploy):
controller 3.2 GiB, network 0.96 GiB, compute 0.67 GiB, storage 0.27 GiB. The minimums
leave headroom for a lab; production nodes want far more (guests, images, volumes).
A node with several roles needs the most CPUs of its roles and the sum of their memory
and disk. Kept in step with the README's table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Minimum:
    cpus: int
    memory_gib: float
    #: free space on / and on /var (each; one filesystem holding both counts once per path)
    disk_gib: float


MINIMUMS: dict[str, Minimum] = {
    "controller": Minimum(cpus=2, memory_gib=4, disk_gib=10),
    "network": Minimum(cpus=1, memory_gib=1, disk_gib=5),
    "compute": Minimum(cpus=1, memory_gib=2, disk_gib=10),
    "storage": Minimum(cpus=1, memory_gib=1, disk_gib=10),
}

#: The paths whose filesystems must have the free disk space.
DISK_PATHS: tuple[str, ...] = ("/", "/var")


def minimum_for(roles: Iterable[str]) -> Minimum:
    """What a node with ``roles`` needs: the most CPUs, the sum of memory and disk."""
    needs = [MINIMUMS[r] for r in roles if r in MINIMUMS]
    if not needs:
        return Minimum(cpus=1, memory_gib=1, disk_gib=5)
    return Minimum(
        cpus=max(n.cpus for n in needs),
        memory_gib=sum(n.memory_gib for n in needs),
        disk_gib=sum(n.disk_gib for n in needs),
    )

"""The least CPU, memory and free disk a node needs for its topology roles.

The figures live in the catalogue (installer/catalogue/catalogue.yml: minimums), with the
measured peaks they leave headroom over. A node with several roles needs the most CPUs of
its roles and the sum of their memory and disk; a node with every role (the all-in-one)
needs the catalogue's ``every_role`` minimum instead. README.md shows the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable

from installer import catalogue
from installer.catalogue import Minimum

__all__ = ["DISK_PATHS", "EVERY_ROLE", "MINIMUMS", "Minimum", "minimum_for"]

_CATALOGUE = catalogue.load()
MINIMUMS: dict[str, Minimum] = dict(_CATALOGUE.minimums)
#: What a node with every topology role needs.
EVERY_ROLE: Minimum = _CATALOGUE.every_role

#: The paths whose filesystems must have the free disk space.
DISK_PATHS: tuple[str, ...] = ("/", "/var")


def minimum_for(roles: Iterable[str]) -> Minimum:
    """What a node with ``roles`` needs: ``EVERY_ROLE`` for all of them, else the most CPUs
    and the sum of memory and disk of its roles."""
    needs = [MINIMUMS[r] for r in dict.fromkeys(roles) if r in MINIMUMS]
    if not needs:
        return Minimum(cpus=1, memory_gib=1, disk_gib=5)
    if len(needs) == len(MINIMUMS):
        return EVERY_ROLE
    return Minimum(
        cpus=max(n.cpus for n in needs),
        memory_gib=sum(n.memory_gib for n in needs),
        disk_gib=sum(n.disk_gib for n in needs),
    )

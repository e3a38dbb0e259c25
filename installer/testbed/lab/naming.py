"""Names the lab gives to the things it creates on the host.

Every host object (bridge, veth, network namespace, lab directory) carries the lab's name so
that two labs can coexist and so that ``lab down`` can only ever touch what a lab made.
Linux interface names are at most 15 characters; the limits below keep every name inside it.
"""

from __future__ import annotations

import hashlib
import re

from installer.errors import LabError

IFNAMSIZ = 15
LAB_NAME_MAX = 8
MAX_NODES = 99
_LAB_NAME = re.compile(r"^[a-z][a-z0-9]{0,7}$")
_NODE_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


def validate_lab_name(name: str) -> str:
    """Return ``name`` if it can name a lab, else raise :class:`LabError`."""
    if not _LAB_NAME.match(name):
        raise LabError(
            f"invalid lab name {name!r}",
            hint=(
                f"use 1 to {LAB_NAME_MAX} lower-case letters or digits, starting with a letter "
                "(it becomes part of interface names, which Linux limits to 15 characters)"
            ),
        )
    return name


def validate_node_name(name: str) -> str:
    """Return ``name`` if it is a valid host name for a lab node, else raise."""
    if not _NODE_NAME.match(name):
        raise LabError(
            f"invalid node name {name!r}",
            hint="node names must be DNS labels: lower-case letters, digits and '-', "
            "starting with a letter, at most 63 characters",
        )
    return name


def management_bridge(lab: str) -> str:
    return f"si-{lab}-m"


def provider_bridge(lab: str) -> str:
    return f"si-{lab}-p"


def host_veth(lab: str, index: int, kind: str) -> str:
    """Host end of a node's veth pair; ``kind`` is ``m`` (management) or ``p`` (provider)."""
    if kind not in ("m", "p"):
        raise ValueError(f"unknown veth kind {kind!r}")
    if not 1 <= index <= MAX_NODES:
        raise ValueError(f"node index {index} outside 1..{MAX_NODES}")
    name = f"si-{lab}-{index}{kind}"
    if len(name) > IFNAMSIZ:  # pragma: no cover - guarded by validate_lab_name
        raise ValueError(f"interface name {name!r} longer than {IFNAMSIZ}")
    return name


def netns(lab: str, node: str) -> str:
    return f"si-{lab}-{node}"


def is_lab_object(lab: str, name: str) -> bool:
    """True if ``name`` is a host object name this lab could have created."""
    return name.startswith(f"si-{lab}-")


def mac_address(lab: str, *parts: str) -> str:
    """A stable, locally administered unicast MAC for one of the lab's interfaces.

    Stable across restarts so neighbours' ARP caches stay right when a node (or the bridge's
    set of ports) changes.
    """
    digest = hashlib.sha256("/".join((lab, *parts)).encode()).digest()
    return ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))

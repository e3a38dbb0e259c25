"""Which nodes the smoke uses, and whether cinder's backend can make a volume on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from installer.verify.inventory import Inventory


def plan(inventory: Inventory) -> tuple[str, list[str], list[str]]:
    """The controller (keystone group), compute and storage node names."""
    controllers = [n.name for n in inventory.group("keystone")]
    if not controllers:
        raise ValueError("the inventory has no keystone node to run the smoke from")
    computes = sorted(n.name for n in inventory.group("nova_compute"))
    storage = sorted(n.name for n in inventory.group("cinder_volume"))
    return controllers[0], computes, storage


def storage_probe(host_for: Callable[[str], Any],
                  backend: str = "loop") -> Callable[[str], str | None]:
    """Why cinder's backend cannot make a volume on ``node``, or None when it can.

    Only LVM (backends loop and device) needs the kernel's device-mapper; Ceph RBD needs
    nothing of the storage node's kernel.
    """

    def probe(node: str) -> str | None:
        if backend == "ceph":
            return None
        host = host_for(node)
        # /dev/mapper/control may exist (LVM's tools create the node) without the driver
        if host.run("grep -qw device-mapper /proc/misc").rc != 0:
            kernel = host.run("uname -r").stdout.strip()
            return (f"{node}'s kernel ({kernel}) has no device-mapper (not in /proc/misc), "
                    "which cinder's LVM backend needs to create a volume "
                    "(a host limit, not a deployment fault; cinder.backend: ceph needs none)")
        return None

    return probe

"""Which block devices the answer file gives a node (cinder's LVM device, Ceph's OSDs)."""

from __future__ import annotations

from installer.answers.model import Deployment, Node

#: The LVM volume group cinder-volume carves volumes from (roles/cinder: cinder_volume_group;
#: tests/contract guards the two agree). A cinder.device that is already its physical volume
#: is this deployment's own, not someone else's data.
CINDER_VOLUME_GROUP = "cinder-volumes"
#: Where the ceph role keeps each OSD's directory (roles/ceph: ceph_osd_data_root); an OSD on
#: a device has a ``block`` link to it there. A device an OSD's block links to on this node
#: is this deployment's own OSD, not someone else's data.
CEPH_OSD_DATA_ROOT = "/var/lib/ceph/osd"


def device_uses(deployment: Deployment, node: Node) -> list[tuple[str, str]]:
    """(device path, the answer-file key that names it) for this node."""
    if "storage" not in node.roles:
        return []
    uses: list[tuple[str, str]] = []
    if ("cinder" in deployment.services and deployment.cinder.backend == "device"
            and deployment.cinder.device):
        uses.append((deployment.cinder.device, "cinder.device"))
    if deployment.cinder.backend == "ceph" and deployment.ceph.mode == "deployed":
        uses += [(path, "ceph.osd_devices") for path in deployment.ceph.osd_devices]
    return uses


def devices_to_check(deployment: Deployment, node: Node) -> list[str]:
    return list(dict.fromkeys(path for path, _ in device_uses(deployment, node)))

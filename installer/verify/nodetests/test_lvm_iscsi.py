"""LVM over iSCSI, when cinder.backend is loop or device: the volume group cinder-volume
carves volumes from, on the storage node, and each compute node's iSCSI initiator.

That the target (tgt, or LIO's ``target`` on RHEL) runs and listens on 3260 is part of the
catalogue's checks (component ``cinder_lvm``); that cinder-volume's LVM backend is up is part
of ``api volume services``.
"""

from __future__ import annotations

from typing import Any

from installer.preflight.devices import CINDER_VOLUME_GROUP as VOLUME_GROUP
from installer.verify.context import CheckContext
from installer.verify.outcome import blocked, check, fail, verdict
from installer.verify.probes import last_line, unit_state

#: The settings these checks apply to (the catalogue's ``cinder_lvm`` component's ``when``).
LVM = {"cinder_backend": ("loop", "device")}
INITIATOR_FILE = "/etc/iscsi/initiatorname.iscsi"
#: iscsid runs on demand from its socket on Debian and Ubuntu; either being active will do.
ISCSID_UNITS = ("iscsid.socket", "iscsid.service")
GIB = 1024**3
WHERE_VG = "roles/cinder (storage.yml); vgs and journalctl -u cinder-volume on the node named"
WHERE_INITIATOR = (f"roles/nova; {INITIATOR_FILE} and systemctl status iscsid on the node "
                   "named")


@check("cinder volume group", groups=("cinder_volume",), where=WHERE_VG, when=LVM)
def test_volume_group(host: Any, ctx: CheckContext) -> None:
    name = str(ctx.var("cinder_volume_group", VOLUME_GROUP))
    got = host.run("vgs --noheadings --nosuffix --units b --options vg_size,vg_free %s", name)
    # vgs reads a volume group's metadata without device-mapper; only making a volume needs it
    if host.run("dmsetup version").rc != 0:
        blocked(f"the kernel's device-mapper does not answer on {ctx.node.name} (dmsetup "
                "version fails), so LVM cannot make volumes here: a container on a kernel "
                "without device-mapper; a VM node or a real server can"
                + (f" (volume group {name} exists)" if got.rc == 0 else ""))
    if got.rc != 0:
        fail(f"volume group {name} not found: {last_line(got.stderr) or f'vgs exited {got.rc}'}"
             " (the cinder role makes it on cinder.device or the loop file)")
    try:
        size, free = (int(value) for value in str(got.stdout).split())
    except ValueError:
        fail(f"vgs printed {str(got.stdout).strip()!r} for {name}, not its size and free space")
    if free <= 0:
        fail(f"volume group {name} has no free space ({size / GIB:.1f} GiB, all of it "
             "allocated): no new volume can be made; extend it or delete volumes")
    ctx.passed(f"{name}: {free / GIB:.1f} of {size / GIB:.1f} GiB free")


def initiator_name(host: Any) -> tuple[str, str]:
    """(the node's InitiatorName, or "" and why there is none)."""
    got = host.run("cat %s", INITIATOR_FILE)
    if got.rc != 0:
        return "", (f"{INITIATOR_FILE} is missing (open-iscsi writes it when iscsid first "
                    "starts)")
    names = [line.split("=", 1)[1].strip() for line in str(got.stdout).splitlines()
             if line.strip().startswith("InitiatorName=")]
    name = names[0] if names else ""
    if not name.startswith(("iqn.", "eui.")):
        return "", (f"{INITIATOR_FILE} has no InitiatorName=iqn.… line"
                    + (f" (found {name!r})" if name else ""))
    return name, ""


def _shared_with(name: str, ctx: CheckContext, peer: Any) -> list[str]:
    """The other compute nodes with the same initiator name (a cloned disk or image)."""
    same = []
    for other in ctx.inventory.group("nova_compute"):
        if other.name == ctx.node.name:
            continue
        made = peer(other)
        if not isinstance(made, str) and initiator_name(made)[0] == name:
            same.append(other.name)
    return same


@check("iscsi initiator", groups=("nova_compute",), where=WHERE_INITIATOR, when=LVM)
def test_iscsi_initiator(host: Any, ctx: CheckContext, peer: Any) -> None:
    problems = []
    name, missing = initiator_name(host)
    if missing:
        problems.append(missing)
    elif shared := _shared_with(name, ctx, peer):
        # a target tells initiators apart by this name: two nodes with one name take each
        # other's sessions, and a guest's volume goes away from under it
        problems.append(f"{name} is also the initiator name of {', '.join(shared)} (a "
                        "cloned disk or image): give each node its own with "
                        f"`echo InitiatorName=$(iscsi-iname) > {INITIATOR_FILE}` and restart "
                        "iscsid")
    # iscsiadm starts iscsid through its socket when os-brick first logs in to a target, so
    # an enabled unit that is not running yet is ready too
    states = {unit: unit_state(host, unit) for unit in ISCSID_UNITS}
    ready = [f"{unit} {state}" if state == "active" else f"{unit} enabled"
             for unit, state in states.items()
             if state == "active" or host.service(unit).is_enabled]
    if not ready:
        problems.append("iscsid can neither run nor start on demand: "
                        + ", ".join(f"{unit} is {state} and disabled"
                                    for unit, state in states.items()))
    verdict(ctx, problems, f"{name}; {', '.join(ready)}")

"""Checks 5, 6 and 7: /dev/kvm for kvm compute nodes, the provider interface, and block
devices for cinder (backend device) and Ceph OSDs that exist, are block devices, unused."""

from __future__ import annotations

from installer.preflight.checks.context import Context
from installer.preflight.devices import CINDER_VOLUME_GROUP, device_uses
from installer.preflight.facts import DeviceFacts
from installer.preflight.findings import Finding, failed, passed


def kvm(ctx: Context) -> list[Finding]:
    if "compute" not in ctx.node.roles or ctx.deployment.nova.virt_type != "kvm":
        return []
    expected = "/dev/kvm (nova.virt_type: kvm)"
    if ctx.facts.kvm:
        return [passed(ctx.node.name, "kvm", "/dev/kvm present", expected)]
    return [failed(ctx.node.name, "kvm", "no /dev/kvm", expected,
                   "enable virtualisation (VT-x/AMD-V) in the firmware and load kvm_intel or "
                   "kvm_amd, or set nova.virt_type: qemu (emulation, slow)")]


def provider_interface(ctx: Context) -> list[Finding]:
    if not {"network", "compute"} & set(ctx.node.roles):
        return []
    interface = ctx.deployment.network.provider_interface
    expected = f"interface {interface} (network.provider_interface)"
    if interface in ctx.facts.interfaces:
        return [passed(ctx.node.name, "provider interface", f"{interface} present", expected)]
    have = ", ".join(i for i in ctx.facts.interfaces if i != "lo") or "none"
    return [failed(ctx.node.name, "provider interface", f"no {interface}; interfaces: {have}",
                   expected, f"set network.provider_interface to the provider NIC of "
                   f"{ctx.node.name} (one of: {have}), or name that NIC {interface}")]


#: What blkid finds on an OSD's device: its BlueStore label, or nothing yet (an OSD whose
#: store a cut-off deploy never made).
OSD_SIGNATURES = ("ceph_bluestore", "")


def device_problems(device: DeviceFacts) -> list[str]:
    """Why a device cannot be given to LVM or Ceph (empty: it can)."""
    if device.kind == "missing":
        return ["does not exist"]
    if device.kind != "block":
        return ["is not a block device"]
    problems = []
    mounted = [f"{n} on {m}" for n, _t, m, _f in device.tree if m]
    if mounted:
        problems.append(f"is mounted ({', '.join(mounted)})")
    children = [f"{n} ({t})" for n, t, _m, _f in device.tree[1:]]
    if children:
        problems.append(f"has partitions or volumes: {', '.join(children)}")
    signature = device.signature or (device.tree[0][3] if device.tree else "")
    if signature:
        problems.append(f"carries a {signature} signature")
    if device.holders:
        problems.append(f"is held by {', '.join(device.holders)}")
    return problems


def block_devices(ctx: Context) -> list[Finding]:
    findings = []
    for path, key in device_uses(ctx.deployment, ctx.node):
        check = f"device {path}"
        expected = f"an unused block device ({key})"
        device = ctx.facts.devices.get(path, DeviceFacts(path, "missing"))
        if key == "cinder.device" and device.volume_group == CINDER_VOLUME_GROUP:
            findings.append(passed(ctx.node.name, check, f"{path}: already the physical volume "
                                   f"of {CINDER_VOLUME_GROUP} (a deploy before this one)",
                                   expected))
            continue
        if key == "ceph.osd_devices" and device.osd and device.signature in OSD_SIGNATURES:
            findings.append(passed(ctx.node.name, check, f"{path}: already the block of OSD "
                                   f"{device.osd} (a deploy before this one)", expected))
            continue
        problems = device_problems(device)
        if not problems:
            findings.append(passed(ctx.node.name, check, f"{path}: unused block device",
                                   expected))
            continue
        if device.kind == "block":
            fix = (f"give {key} an empty disk, or wipe this one if its data is not needed "
                   f"(wipefs -a {path}) after unmounting it")
        else:
            fix = f"set {key} to a disk that {ctx.node.name} has (lsblk lists them)"
        findings.append(failed(ctx.node.name, check, f"{path} {'; '.join(problems)}",
                               expected, fix))
    return findings

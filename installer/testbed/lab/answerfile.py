"""The answer file and secrets file the lab writes for itself, and topologies read from one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from installer import catalogue
from installer.errors import AnswerFileError, LabError
from installer.testbed.lab.network import NODE_PROVIDER_IF
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.sources import SUITE_RELEASES, suite_for_release
from installer.testbed.lab.topology import LabPlan, plan_from_nodes
from installer.testbed.lab.vm import DATA_DISK_DEVICE


def lab_settings(plan: LabPlan, paths: LabPaths, *, virt_type: str | None = None
                 ) -> dict[str, Any]:
    """Answer-file settings that make a deployment target this lab.

    Container nodes share this machine's kernel (no device-mapper, no KVM), so the default
    lab uses Ceph RBD and qemu. Where nodes are VMs, the real-server defaults apply
    (``vm_node_settings``); ``virt_type`` is what the compute VMs' probe found.
    """
    settings: dict[str, Any] = {
        # the release the nodes' Debian suite ships (bookworm: zed, trixie: epoxy)
        "deployment": {"name": plan.name, "release": SUITE_RELEASES[plan.suite]},
        "network": {
            "management_cidr": plan.management_cidr,
            "provider_interface": NODE_PROVIDER_IF,
            # floating IPs live on the lab's provider bridge; routers take the bridge's own
            # address as their gateway, and the host forwards nothing, so nothing routes out
            "provider_cidr": plan.provider_cidr,
            "provider_gateway": plan.provider_bridge_address,
        },
        "ssh": {"user": "root", "port": 22, "private_key": str(paths.private_key),
                "become": False},
        "ntp": {"servers": []},
        "repos": {"proxy": plan.proxy_url},
        "nova": {"virt_type": "qemu"},
        # this kernel has no device-mapper for LVM; Ceph RBD needs no kernel support
        "cinder": {"backend": "ceph"},
        "ceph": {"mode": "deployed", "osd_file_size_gb": 8},
    }
    for section, values in vm_node_settings(plan, virt_type).items():
        settings[section] = values
    if not catalogue.load(SUITE_RELEASES[plan.suite]).facts["neutron_linuxbridge"]:
        epoxy = _epoxy_network()
        settings["network"].update(epoxy.pop("network"))
        settings.update(epoxy)
    return settings


def _all_vms(plan: LabPlan, role: str) -> bool:
    nodes = [n for n in plan.nodes if role in n.roles]
    return bool(nodes) and all(n.vm for n in nodes)


def vm_node_settings(plan: LabPlan, virt_type: str | None = None) -> dict[str, Any]:
    """The real-server defaults for roles whose nodes are all VMs (they have a kernel of
    their own): cinder's LVM on the storage VM's data disk, exported over iSCSI by the
    role's target; nova with KVM when the compute VMs' probe found /dev/kvm (``virt_type``,
    else qemu). Open vSwitch needs no setting: the neutron role picks the kernel datapath
    per node where the openvswitch module is loaded (``neutron_ovs_datapath_type: auto``).
    """
    settings: dict[str, Any] = {}
    if _all_vms(plan, "storage"):
        settings["cinder"] = {"backend": "device", "device": DATA_DISK_DEVICE}
    if _all_vms(plan, "compute"):
        settings["nova"] = {"virt_type": virt_type or "qemu"}
    return settings


#: VLANs of the lab's self-service networks on Epoxy (on the provider bridge).
EPOXY_TENANT_VLANS = "100:199"


def _epoxy_network() -> dict[str, Any]:
    """Neutron on Epoxy: Open vSwitch, self-service networks as VLANs on the provider bridge.

    Epoxy removed the linuxbridge driver; this kernel has no openvswitch module, so Open
    vSwitch runs its userspace datapath (the neutron role picks it), whose VXLAN tunnels
    would need the endpoint address on an Open vSwitch bridge: the lab's self-service
    networks are VLANs on the provider network instead.
    """
    return {
        "network": {"mechanism_driver": "openvswitch", "overlay": "none"},
        "overrides": {"neutron": {"ml2_conf.ini": {
            "ml2": {"tenant_network_types": ["vlan"]},
            "ml2_type_vlan": {"network_vlan_ranges": f"provider:{EPOXY_TENANT_VLANS}"},
        }}},
    }


def write_lab_answers(plan: LabPlan, paths: LabPaths, *, virt_type: str | None = None
                      ) -> tuple[Path, Path, bool]:
    """Write answers.yml and secrets.yml unless they exist; returns (answers, secrets, written)."""
    from installer.answers.generate import NodeSpec, generate_files

    result = generate_files(
        paths.answers,
        paths.secrets,
        nodes=[NodeSpec(n.name, n.address, n.roles) for n in plan.nodes],
        settings=lab_settings(plan, paths, virt_type=virt_type),
    )
    return result.answers_path, result.secrets_path, result.answers_written


def suite_for_answers(release: str, path: Path, suite: str | None = None) -> str:
    """The Debian suite of the lab nodes for an answer file's ``deployment.release``.

    ``suite`` (the operator's ``--suite``) must agree with the release; a release no Debian
    suite ships natively cannot be built as a lab.
    """
    shipped = suite_for_release(release)
    pairs = ", ".join(f"{s}: {r}" for s, r in SUITE_RELEASES.items())
    if shipped is None:
        raise LabError(
            f"{path}: release {release!r} is not shipped by any Debian suite the lab builds",
            hint=f"the lab builds Debian nodes ({pairs}); set deployment.release accordingly",
        )
    if suite and suite != shipped:
        raise LabError(
            f"--suite {suite} ships {SUITE_RELEASES[suite]}, but {path} asks for "
            f"release {release!r} ({shipped})",
            hint=f"drop --suite (it follows the release: {pairs}) or change the release",
        )
    return shipped


def plan_from_answer_file(
    name: str, path: Path, provider_cidr: str | None = None, suite: str | None = None
) -> LabPlan:
    """The topology (nodes, addresses, management subnet) of an operator's answer file.

    Only the topology matters here, so the secrets file need not exist yet. The nodes'
    Debian suite follows ``deployment.release`` (zed: bookworm, epoxy: trixie).
    """
    from installer.answers import check

    merged, _spath, _values, problems = check(Path(path), with_secrets=False)
    if problems or merged is None:
        raise AnswerFileError(
            f"{path} has {len(problems)} problem(s); run `stackinstall answers validate {path}`",
            problems,
        )
    nodes = [(n["name"], n["address"], tuple(n["roles"])) for n in merged["nodes"]]
    plan = plan_from_nodes(name, merged["network"]["management_cidr"], nodes, provider_cidr)
    return replace(plan, suite=suite_for_answers(merged["deployment"]["release"], path, suite))

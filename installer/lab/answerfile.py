"""The answer file and secrets file the lab writes for itself, and topologies read from one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from installer.errors import AnswerFileError
from installer.lab.network import NODE_PROVIDER_IF
from installer.lab.paths import LabPaths
from installer.lab.topology import LabPlan, plan_from_nodes


def lab_settings(plan: LabPlan, paths: LabPaths) -> dict[str, Any]:
    """Answer-file settings that make a deployment target this lab."""
    return {
        "deployment": {"name": plan.name},
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


def write_lab_answers(plan: LabPlan, paths: LabPaths) -> tuple[Path, Path, bool]:
    """Write answers.yml and secrets.yml unless they exist; returns (answers, secrets, written)."""
    from installer.answers.generate import NodeSpec, generate_files

    result = generate_files(
        paths.answers,
        paths.secrets,
        nodes=[NodeSpec(n.name, n.address, n.roles) for n in plan.nodes],
        settings=lab_settings(plan, paths),
    )
    return result.answers_path, result.secrets_path, result.answers_written


def plan_from_answer_file(
    name: str, path: Path, provider_cidr: str | None = None
) -> LabPlan:
    """The topology (nodes, addresses, management subnet) of an operator's answer file.

    Only the topology matters here, so the secrets file need not exist yet.
    """
    from installer.answers import check

    merged, _spath, _values, problems = check(Path(path), with_secrets=False)
    if problems or merged is None:
        raise AnswerFileError(
            f"{path} has {len(problems)} problem(s); run `stackinstall answers validate {path}`",
            problems,
        )
    nodes = [(n["name"], n["address"], tuple(n["roles"])) for n in merged["nodes"]]
    return plan_from_nodes(name, merged["network"]["management_cidr"], nodes, provider_cidr)

"""Gather a deployment's status: nodes from the answer file (and whether each answers on its
SSH port), services per node from the rendered inventory, the last run's summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from installer.answers import load_topology
from installer.catalogue import TOPOLOGY_ROLES
from installer.paths import DeployPaths
from installer.render.groups import inventory_groups
from installer.status.reach import reach_all
from installer.status.runs import LastRun, last_run


@dataclass(frozen=True)
class NodeStatus:
    name: str
    address: str
    roles: tuple[str, ...]
    ssh_port: int
    ssh_problem: str | None  # None: the port answered
    services: tuple[str, ...]  # inventory groups other than the topology roles

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address, "roles": list(self.roles),
                "ssh": {"port": self.ssh_port, "reachable": self.ssh_problem is None,
                        "problem": self.ssh_problem},
                "services": list(self.services)}


@dataclass(frozen=True)
class DeploymentStatus:
    name: str
    answers: Path
    deploy_dir: Path
    rendered: bool  # services come from deploy_dir's inventory (else from the answer file)
    nodes: tuple[NodeStatus, ...]
    last_run: LastRun | None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "answers": str(self.answers),
                "deploy_dir": str(self.deploy_dir), "rendered": self.rendered,
                "nodes": [n.as_dict() for n in self.nodes],
                "last_run": self.last_run.as_dict() if self.last_run else None}


def rendered_groups(inventory: Path) -> dict[str, list[str]] | None:
    """Group -> hosts of a rendered ``hosts.yml``, or None when there is none."""
    try:
        data = yaml.safe_load(inventory.read_text(encoding="utf-8"))
        children = data["all"]["children"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    return {group: list((body or {}).get("hosts") or {})
            for group, body in (children or {}).items()}


def read_status(answers: Path, out_dir: Path | None = None) -> DeploymentStatus:
    dep = load_topology(answers)
    paths = DeployPaths.at(out_dir, dep.default_deploy_dir)
    deploy_dir = paths.root
    groups = rendered_groups(paths.hosts)
    rendered = groups is not None
    groups = groups if groups is not None else inventory_groups(dep)
    problems = reach_all([(n.address, dep.ssh.port) for n in dep.nodes])
    nodes = tuple(
        NodeStatus(
            name=n.name, address=n.address, roles=n.roles, ssh_port=dep.ssh.port,
            ssh_problem=problem,
            services=tuple(g for g, hosts in groups.items()
                           if n.name in hosts and g not in TOPOLOGY_ROLES),
        )
        for n, problem in zip(dep.nodes, problems, strict=True)
    )
    return DeploymentStatus(name=dep.name, answers=dep.path, deploy_dir=deploy_dir,
                            rendered=rendered, nodes=nodes, last_run=last_run(deploy_dir))

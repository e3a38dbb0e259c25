"""Read the rendered deployment directory: nodes, their groups, connection and variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from installer.errors import VerifyError
from installer.paths import DeployPaths


@dataclass(frozen=True)
class Connection:
    """How to reach a node, exactly as Ansible does (from host_vars): over SSH, or ``local``
    (``ansible_connection: local``, the machine verify runs on)."""

    address: str
    user: str = "root"
    port: int = 22
    private_key: str | None = None
    become: bool = False
    ssh_common_args: str = ""
    local: bool = False


@dataclass(frozen=True)
class NodeInfo:
    name: str
    address: str
    roles: tuple[str, ...]
    groups: frozenset[str]
    connection: Connection


@dataclass(frozen=True)
class Inventory:
    nodes: tuple[NodeInfo, ...]
    variables: Mapping[str, Any] = field(default_factory=dict)

    def node(self, name: str) -> NodeInfo:
        return next(n for n in self.nodes if n.name == name)

    def group(self, name: str) -> tuple[NodeInfo, ...]:
        return tuple(n for n in self.nodes if name in n.groups)


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise VerifyError(
            f"{path} is missing",
            hint="render the deployment first: stackinstall render ANSWERS",
        ) from exc
    except yaml.YAMLError as exc:
        raise VerifyError(f"{path} is not valid YAML: {exc}") from exc


def _memberships(hosts_yml: Mapping[str, Any]) -> dict[str, set[str]]:
    """host -> every group it belongs to (``all`` included), following nested children."""
    member: dict[str, set[str]] = {}

    def walk(name: str, group: Mapping[str, Any] | None, parents: tuple[str, ...]) -> None:
        group = group or {}
        chain = (*parents, name)
        for host in group.get("hosts") or {}:
            member.setdefault(str(host), set()).update(chain)
        for child, body in (group.get("children") or {}).items():
            walk(str(child), body, chain)

    for name, body in hosts_yml.items():
        walk(str(name), body, ())
    return member


def read_inventory(deploy_dir: Path) -> Inventory:
    """Nodes and deployment-wide variables of ``deploy_dir`` (no secrets)."""
    paths = DeployPaths(deploy_dir)
    memberships = _memberships(_yaml(paths.hosts))
    variables = _yaml(paths.main_vars)
    nodes = []
    for name in sorted(memberships):
        hv = _yaml(paths.host_vars(name))
        address = str(hv.get("node_address") or hv.get("ansible_host") or name)
        key = hv.get("ansible_ssh_private_key_file")
        nodes.append(
            NodeInfo(
                name=name,
                address=address,
                roles=tuple(hv.get("node_roles") or ()),
                groups=frozenset(memberships[name]),
                connection=Connection(
                    address=str(hv.get("ansible_host") or address),
                    user=str(hv.get("ansible_user") or "root"),
                    port=int(hv.get("ansible_port") or 22),
                    private_key=str(key) if key else None,
                    become=bool(hv.get("ansible_become")),
                    ssh_common_args=str(hv.get("ansible_ssh_common_args") or ""),
                    local=hv.get("ansible_connection") == "local",
                ),
            )
        )
    return Inventory(tuple(nodes), variables)

"""Write a commented answer file (every setting, its default, one line of help) and secrets."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from installer.answers import secrets as secrets_file
from installer.answers.schema import (
    DEFAULT_ALLINONE,
    DEFAULT_FOUR_NODES,
    NODE_KEYS,
    SCHEMA,
    SERVICES,
    TOP_LEVEL_DOCS,
    TOP_LEVEL_KEYS,
    TOPOLOGY_ROLES,
    defaults,
)
from installer.answers.source import read
from installer.answers.validate import resolve_secrets_path
from installer.errors import UsageError


@dataclass(frozen=True)
class NodeSpec:
    name: str
    address: str
    roles: tuple[str, ...]


@dataclass
class GenerateResult:
    answers_path: Path
    secrets_path: Path
    answers_written: bool
    secrets_added: list[str] = field(default_factory=list)


def parse_node(spec: str) -> NodeSpec:
    """Parse ``NAME=ADDRESS:ROLE[,ROLE]`` from the command line."""
    try:
        name, rest = spec.split("=", 1)
        address, roles = rest.rsplit(":", 1)
    except ValueError:
        raise UsageError(f"--node {spec!r} is not NAME=ADDRESS:ROLE[,ROLE]",
                         hint="e.g. --node openstack1=10.0.0.11:controller,network") from None
    role_list = tuple(r.strip() for r in roles.split(",") if r.strip())
    bad = [r for r in role_list if r not in TOPOLOGY_ROLES]
    if bad or not role_list:
        raise UsageError(f"--node {spec!r}: unknown role(s) {', '.join(bad) or '(none)'}",
                         hint=f"roles are {', '.join(TOPOLOGY_ROLES)}")
    return NodeSpec(name.strip(), address.strip(), role_list)


def default_nodes(allinone: bool) -> list[NodeSpec]:
    return [NodeSpec(*n) for n in (DEFAULT_ALLINONE if allinone else DEFAULT_FOUR_NODES)]


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if key not in base:
            raise UsageError(f"unknown answer-file setting {key!r} in generate settings")
        if isinstance(base[key], dict) and isinstance(value, Mapping) and key != "aliases":
            if key == "overrides":
                base[key] = dict(value)
            else:
                _merge(base[key], value)
        else:
            base[key] = value
    return base


def _inline(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.strip().removesuffix("\n...").removesuffix("...").strip()


def render_text(nodes: Sequence[NodeSpec], settings: Mapping[str, Any] | None = None,
                secrets_name: str = "") -> str:
    """The commented answer file text."""
    data = _merge(defaults(), settings or {})
    if secrets_name:
        data["deployment"]["secrets_file"] = secrets_name
    if nodes and not (settings or {}).get("network", {}).get("management_cidr"):
        first = ipaddress.ip_address(nodes[0].address)
        cidr = ipaddress.ip_network(f"{first}/24", strict=False)
        if all(ipaddress.ip_address(n.address) in cidr for n in nodes):
            data["network"]["management_cidr"] = str(cidr)
    lines = [
        "# stackinstall answer file",
        "# Every setting is listed with its default. Check it with",
        "#   stackinstall answers validate THIS_FILE",
        "# and see exactly what Ansible will get with `stackinstall render THIS_FILE`.",
        "",
    ]
    for top in TOP_LEVEL_KEYS:
        if top in SCHEMA:
            lines.append(f"# {SCHEMA[top].doc}")
            lines.append(f"{top}:")
            for key, spec in SCHEMA[top].keys.items():
                lines.append(f"  # {spec.doc}")
                if spec.choices and spec.type == "enum":
                    lines.append(f"  # one of: {', '.join(spec.choices)}")
                lines.append(f"  {key}: {_inline(data[top][key])}")
        elif top == "nodes":
            lines.append(f"# {TOP_LEVEL_DOCS['nodes']}")
            for key, spec in NODE_KEYS.items():
                lines.append(f"#   {key}: {spec.doc}")
            lines.append("nodes:")
            for n in nodes:
                lines.append(f"  - name: {_inline(n.name)}")
                lines.append(f"    address: {_inline(n.address)}")
                lines.append(f"    roles: {_inline(list(n.roles))}")
        elif top == "services":
            lines.append(f"# {TOP_LEVEL_DOCS['services']}")
            lines.append(f"# available: {', '.join(SERVICES)}")
            lines.append(f"services: {_inline(data['services'])}")
        else:
            lines.append(f"# {TOP_LEVEL_DOCS['overrides']}")
            lines.append("# e.g. overrides: {nova: {nova.conf: {DEFAULT: {debug: true}}}}")
            lines.append(f"overrides: {_inline(data['overrides'])}")
        lines.append("")
    return "\n".join(lines)


def generate_files(answers_path: Path, secrets_path: Path | None = None, *,
                   nodes: Sequence[NodeSpec], settings: Mapping[str, Any] | None = None
                   ) -> GenerateResult:
    """Write the answer file unless it exists; create or complete the secrets file."""
    answers_path = Path(answers_path)
    if secrets_path:
        spath = Path(secrets_path)
    elif answers_path.exists():  # keep using the secrets file the answer file names
        existing = read(answers_path).data
        spath = resolve_secrets_path(answers_path, existing if isinstance(existing, dict) else None)
    else:
        spath = secrets_file.default_path(answers_path)
    written = False
    if not answers_path.exists():
        rel = spath.name if spath.parent.resolve() == answers_path.parent.resolve() \
            else str(spath.resolve())
        text = render_text(nodes, settings, rel)
        answers_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with answers_path.open("x", encoding="utf-8") as fh:
                fh.write(text)
            written = True
        except FileExistsError:
            written = False
    added = secrets_file.fill(spath)
    return GenerateResult(answers_path, spath, written, added)

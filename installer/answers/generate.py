"""Write a commented answer file (every setting, its default, one line of help) and secrets."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from installer import templates
from installer.answers import checks
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
from installer.answers.source import Source, parse, read
from installer.answers.thismachine import ThisMachine
from installer.answers.validate import IPV6_MANAGEMENT, resolve_secrets_path, validate
from installer.errors import AnswerFileError, UsageError

NODE_FORM = "NAME=ADDRESS:ROLE[,ROLE]"
_NODE_HINT = (f"write --node {NODE_FORM}, e.g. --node openstack1=10.0.0.11:controller,network "
              f"(roles: {', '.join(TOPOLOGY_ROLES)})")


@dataclass(frozen=True)
class NodeSpec:
    name: str
    address: str
    roles: tuple[str, ...]
    connection: str = "ssh"


@dataclass
class GenerateResult:
    answers_path: Path
    secrets_path: Path
    answers_written: bool
    secrets_added: list[str] = field(default_factory=list)


def parse_node(spec: str) -> NodeSpec:
    """Parse ``NAME=ADDRESS:ROLE[,ROLE]`` from the command line; UsageError names what is wrong."""
    def bad(why: str) -> UsageError:
        return UsageError(f"--node {spec!r}: {why}", hint=_NODE_HINT)

    name, eq, rest = spec.partition("=")
    address, colon, roles = rest.rpartition(":")
    if not eq or not colon:
        raise bad(f"is not of the form {NODE_FORM}")
    name, address = name.strip(), address.strip()
    if not name:
        raise bad("the node name before '=' is empty")
    if checks.hostname(name):
        raise bad(f"{name!r} is not a valid node name (a hostname: letters, digits, '-')")
    if not address:
        raise bad("the address between '=' and ':' is empty")
    if checks.ip(address):
        raise bad(f"{address!r} is not an IP address")
    if ipaddress.ip_address(address).version == 6:
        raise bad(f"{address} is an IPv6 address: {IPV6_MANAGEMENT}")
    role_list = tuple(dict.fromkeys(r.strip() for r in roles.split(",") if r.strip()))
    unknown = [r for r in role_list if r not in TOPOLOGY_ROLES]
    if unknown:
        raise bad(f"unknown role(s) {', '.join(unknown)}")
    if not role_list:
        raise bad("no role after ':'")
    return NodeSpec(name, address, role_list)


def check_nodes(specs: Sequence[NodeSpec]) -> None:
    """Refuse ``--node`` options that together make no valid answer file (two controllers ...)."""
    problems = validate_text(render_text(specs)).problems
    if problems:
        given = " ".join(f"--node {n.name}={n.address}:{','.join(n.roles)}" for n in specs)
        raise UsageError(f"--node options make no valid topology ({given}): "
                         + "; ".join(f"{p.key}: {p.message} ({p.fix})" for p in problems),
                         hint=_NODE_HINT)


def validate_text(text: str, path: Path = Path("(generated answer file)")) -> Source:
    """Validate answer-file text that is not written yet; return its Source with problems."""
    src = parse(path, text)
    validate(src)
    return src


def default_nodes(allinone: bool) -> list[NodeSpec]:
    return [NodeSpec(*n) for n in (DEFAULT_ALLINONE if allinone else DEFAULT_FOUR_NODES)]


def local_node(machine: ThisMachine) -> NodeSpec:
    """This machine as the one node of an all-in-one answer file, reached without SSH."""
    if checks.hostname(machine.hostname):
        raise UsageError(f"this machine's hostname {machine.hostname!r} is not a valid node "
                         "name (a hostname: letters, digits, '-')",
                         hint="give the machine a valid hostname (hostnamectl), then generate")
    return NodeSpec(machine.hostname, machine.address, TOPOLOGY_ROLES, "local")


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
    """``value`` as one line of YAML, every text quoted.

    Quoted text stays text when the operator edits it: unquoted, YAML 1.1 reads
    ``vni_range: 1:50`` as the number 110, ``yes``/``off`` as booleans, ``0755`` as octal.
    """
    if isinstance(value, str):
        if "\\" in value or not value.isprintable():
            return "'" + value.replace("'", "''") + "'"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_inline(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.strip().removesuffix("\n...").removesuffix("...").strip()


def render_text(nodes: Sequence[NodeSpec], settings: Mapping[str, Any] | None = None,
                secrets_name: str = "") -> str:
    """The commented answer file text."""
    data = _merge(defaults(), settings or {})
    if secrets_name:
        data["deployment"]["secrets_file"] = secrets_name
    if nodes and not (settings or {}).get("network", {}).get("management_cidr"):
        data["network"]["management_cidr"] = _management_cidr(nodes)
    return templates.render("answers.yml.j2", {
        "top_level_keys": TOP_LEVEL_KEYS, "schema": SCHEMA, "values": data,
        "node_keys": NODE_KEYS, "nodes": nodes, "services": SERVICES, "docs": TOP_LEVEL_DOCS,
    }, filters={"inline": _inline})


def _management_cidr(nodes: Sequence[NodeSpec]) -> str:
    """The /24 of the first node, widened until it holds every node (IPv4 nodes only)."""
    addresses = [ipaddress.ip_address(n.address) for n in nodes]
    for prefix in range(24, 0, -1):
        net = ipaddress.ip_network(f"{addresses[0]}/{prefix}", strict=False)
        if all(a in net and a not in (net.network_address, net.broadcast_address)
               for a in addresses):
            return str(net)
    return str(SCHEMA["network"].keys["management_cidr"].default)


def generate_files(answers_path: Path, secrets_path: Path | None = None, *,
                   nodes: Sequence[NodeSpec], settings: Mapping[str, Any] | None = None
                   ) -> GenerateResult:
    """Write the answer file unless it exists; create or complete the secrets file."""
    answers_path = Path(answers_path)
    if answers_path.exists():  # keep using the secrets file the answer file names
        return complete_secrets(answers_path, secrets_path)
    spath = Path(secrets_path) if secrets_path else secrets_file.default_path(answers_path)
    rel = spath.name if spath.parent.resolve() == answers_path.parent.resolve() \
        else str(spath.resolve())
    text = render_text(nodes, settings, rel)
    answers_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with answers_path.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:  # written meanwhile by someone else: leave it
        return complete_secrets(answers_path, secrets_path)
    return GenerateResult(answers_path, spath, True, secrets_file.fill(spath))


def complete_secrets(answers_path: Path, secrets_path: Path | None = None) -> GenerateResult:
    """Add the secrets an existing answer file's secrets file lacks; never touch the answers."""
    answers_path = Path(answers_path)
    if secrets_path:
        spath = Path(secrets_path)
    else:
        src = read(answers_path)
        if src.data is None and src.problems:
            raise AnswerFileError(f"{answers_path} cannot be read, so where its secrets file "
                                  "is is unknown; nothing was written", src.problems)
        spath = resolve_secrets_path(answers_path,
                                     src.data if isinstance(src.data, dict) else None)
    return GenerateResult(answers_path, spath, False, secrets_file.fill(spath))

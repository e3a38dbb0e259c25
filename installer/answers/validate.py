"""Validate an answer file against the schema and the topology rules, all problems at once."""

from __future__ import annotations

import difflib
import ipaddress
from pathlib import Path
from typing import Any

from installer.answers import checks
from installer.answers.schema import (
    NODE_KEYS,
    SCHEMA,
    SERVICE_CONFIG_FILES,
    SERVICES,
    SUPPORT_MATRIX,
    TOP_LEVEL_KEYS,
    TOPOLOGY_ROLES,
    Key,
    defaults,
)
from installer.answers.source import Source, join

_TYPE_NAMES = {"int": "a whole number", "bool": "true or false", "list": "a list",
               "map": "a mapping", "port": "a port number"}


def _did_you_mean(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def _unknown(src: Source, key: str, name: object, known: Any) -> None:
    known = list(known)
    src.problem(join(key, str(name)), "is not a known setting",
                f"{_did_you_mean(str(name), known)}known keys here: {', '.join(known)}")


def check_value(src: Source, key: str, spec: Key, value: Any) -> Any:
    """Check one value against its Key; return it (normalised) or None if wrong."""
    kind = spec.type
    if kind == "bool":
        if not isinstance(value, bool):
            src.problem(key, f"must be true or false, not {value!r}", "write true or false")
            return None
        return value
    if kind in ("int", "port"):
        if isinstance(value, bool) or not isinstance(value, int):
            src.problem(key, f"must be {_TYPE_NAMES[kind]}, not {value!r}",
                        f"write a number, e.g. {spec.default}")
            return None
        if kind == "port" and (why := checks.port(value)):
            src.problem(key, why, f"use a port like {spec.default}")
            return None
        if kind == "int" and value < 1:
            src.problem(key, f"must be at least 1, not {value}", f"e.g. {spec.default}")
            return None
        return value
    if kind == "list":
        if not isinstance(value, list):
            src.problem(key, f"must be a list, not {type(value).__name__}",
                        "write a YAML list: one '- item' per line, or [a, b]")
            return None
        items = [check_value(src, join(key, i), Key(spec.item, None, "", spec.choices), v)
                 for i, v in enumerate(value)]
        return None if any(i is None for i in items) else items
    if kind == "map":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            src.problem(key, "must be a mapping of names to text", "e.g. {vi: vim}")
            return None
        return value
    # every remaining kind is text
    if not isinstance(value, str) or (value == "" and not spec.optional):
        shown = "empty" if value == "" or value is None else repr(value)
        src.problem(key, f"must be text, not {shown}",
                    f"set a value, e.g. {spec.default!r}" if spec.default else "set a value")
        return None
    if kind == "enum":
        if value not in spec.choices:
            src.problem(key, f"{value!r} is not one of {', '.join(spec.choices)}",
                        f"{_did_you_mean(value, spec.choices)}use one of "
                        f"{', '.join(spec.choices)}")
            return None
        return value
    check = checks.STRING_CHECKS.get(kind) or checks.KEY_CHECKS.get(key)
    if value and check and (why := check(value)):
        src.problem(key, why, f"e.g. {spec.default!r}" if spec.default else "correct it")
        return None
    return value


def validate(src: Source) -> dict[str, Any] | None:
    """Return the merged settings (defaults + file) when every check passed, else None."""
    data = src.data
    if data is None:
        if not src.problems:
            src.problem("", "is empty", "run `stackinstall answers generate` for a "
                        "commented answer file to start from")
        return None
    if not isinstance(data, dict):
        src.problem("", f"must be a mapping of settings, not {type(data).__name__}",
                    "start from `stackinstall answers generate`")
        return None
    merged = defaults()
    for name, value in data.items():
        if name not in TOP_LEVEL_KEYS:
            _unknown(src, "", name, TOP_LEVEL_KEYS)
        elif name in SCHEMA:
            merged[name] = _section(src, name, value, merged[name])
    merged["nodes"] = _nodes(src, data.get("nodes"))
    merged["services"] = _services(src, data.get("services", list(SERVICES)))
    merged["overrides"] = _overrides(src, data.get("overrides", {}))
    _topology(src, merged)
    _support(src, merged)
    _cross(src, merged)
    return None if src.problems else merged


def _section(src: Source, name: str, value: Any, into: dict[str, Any]) -> dict[str, Any]:
    keys = SCHEMA[name].keys
    if value is None:
        return into
    if not isinstance(value, dict):
        src.problem(name, f"must be a mapping of settings, not {type(value).__name__}",
                    f"indent its keys below '{name}:' ({', '.join(keys)})")
        return into
    for key, val in value.items():
        path = join(name, str(key))
        if key not in keys:
            _unknown(src, name, key, keys)
            continue
        checked = check_value(src, path, keys[key], val)
        if checked is not None:
            extra = checks.KEY_CHECKS.get(path)
            if extra and isinstance(checked, str) and (why := extra(checked)):
                src.problem(path, why, f"e.g. {keys[key].default!r}")
                continue
            into[key] = checked
    return into


def _nodes(src: Source, value: Any) -> list[dict[str, Any]]:
    fix = "list each node as '- {name: openstack1, address: 10.0.0.11, roles: [controller]}'"
    if value is None:
        src.problem("nodes", "is missing: there are no nodes to deploy", fix)
        return []
    if not isinstance(value, list):
        src.problem("nodes", f"must be a list of nodes, not {type(value).__name__}", fix)
        return []
    nodes = []
    for i, item in enumerate(value):
        key = join("nodes", i)
        if not isinstance(item, dict):
            src.problem(key, "must be a mapping with name, address and roles", fix)
            continue
        node: dict[str, Any] = {}
        for k, v in item.items():
            if k not in NODE_KEYS:
                _unknown(src, key, k, NODE_KEYS)
                continue
            node[k] = check_value(src, join(key, k), NODE_KEYS[k], v)
        for k in NODE_KEYS:
            if k not in item:
                src.problem(key, f"has no '{k}'", f"add '{k}:' ({NODE_KEYS[k].doc})")
        if all(node.get(k) is not None for k in NODE_KEYS):
            if not node["roles"]:
                src.problem(join(key, "roles"), "is empty",
                            f"give the node at least one of {', '.join(TOPOLOGY_ROLES)}")
            node["roles"] = list(dict.fromkeys(node["roles"]))
            nodes.append(node)
    return nodes


def _services(src: Source, value: Any) -> list[str]:
    if not isinstance(value, list):
        src.problem("services", f"must be a list of service names, not {type(value).__name__}",
                    f"e.g. [{', '.join(SERVICES)}]")
        return []
    out = []
    for i, name in enumerate(value):
        if name not in SERVICES:
            src.problem(join("services", i), f"{name!r} is not an OpenStack service we install",
                        f"{_did_you_mean(str(name), SERVICES)}choose from {', '.join(SERVICES)}")
        else:
            out.append(name)
    return list(dict.fromkeys(out))


def _overrides(src: Source, value: Any) -> dict[str, Any]:
    shape = "service -> file -> section -> key: value, e.g. {nova: {nova.conf: {DEFAULT: " \
            "{debug: true}}}}"
    if value is None:
        return {}
    if not isinstance(value, dict):
        src.problem("overrides", "must be a mapping", shape)
        return {}
    for service, files in value.items():
        key = join("overrides", str(service))
        if service not in SERVICE_CONFIG_FILES:
            _unknown(src, "overrides", service, SERVICE_CONFIG_FILES)
            continue
        if not isinstance(files, dict):
            src.problem(key, "must map config file names to sections", shape)
            continue
        for fname, sections in files.items():
            fkey = join(key, str(fname))
            if fname not in SERVICE_CONFIG_FILES[service]:
                _unknown(src, key, fname, SERVICE_CONFIG_FILES[service])
                continue
            if not isinstance(sections, dict):
                src.problem(fkey, "must map INI section names to settings", shape)
                continue
            for section, settings in sections.items():
                skey = join(fkey, str(section))
                if not isinstance(settings, dict):
                    src.problem(skey, "must map option names to values", shape)
                    continue
                for opt, val in settings.items():
                    if not isinstance(val, str | int | float | bool) or isinstance(val, list):
                        src.problem(join(skey, str(opt)),
                                    "must be a single value (text, number or true/false)",
                                    "write lists as one comma-separated string")
    return value


def _topology(src: Source, merged: dict[str, Any]) -> None:
    nodes = merged["nodes"]
    seen_names: dict[str, int] = {}
    seen_addr: dict[str, int] = {}
    for i, node in enumerate(nodes):
        name, addr = node["name"].lower(), str(ipaddress.ip_address(node["address"]))
        if name in seen_names:
            src.problem(join("nodes", i) + ".name", f"duplicate node name {node['name']!r} "
                        f"(also nodes[{seen_names[name]}])", "give every node its own name")
        seen_names.setdefault(name, i)
        if addr in seen_addr:
            src.problem(join("nodes", i) + ".address", f"duplicate address {addr} (also "
                        f"nodes[{seen_addr[addr]}])", "give every node its own address")
        seen_addr.setdefault(addr, i)
    raw = src.data.get("nodes") if isinstance(src.data, dict) else None
    if not nodes or (isinstance(raw, list) and len(nodes) < len(raw)):
        return  # counting roles over a partial node list would mislead
    controllers = [n for n in nodes if "controller" in n["roles"]]
    if len(controllers) != 1:
        src.problem("nodes", f"has {len(controllers)} controller nodes; exactly one is needed",
                    "give the 'controller' role to exactly one node")
    needs = {"compute": "nova", "network": "neutron", "storage": "cinder"}
    for role, service in needs.items():
        needed = role == "compute" or service in merged["services"]
        if needed and not any(role in n["roles"] for n in nodes):
            src.problem("nodes", f"has no {role} node" +
                        (f" but {service} is enabled" if role != "compute" else ""),
                        f"give the '{role}' role to a node")


def _support(src: Source, merged: dict[str, Any]) -> None:
    release, distro = merged["deployment"]["release"], merged["deployment"]["distro"]
    if distro != "auto" and release not in SUPPORT_MATRIX[distro]:
        matrix = "; ".join(f"{d}: {', '.join(r)}" for d, r in SUPPORT_MATRIX.items())
        src.problem("deployment.release", f"{release!r} is not supported on {distro}",
                    f"choose a supported pair ({matrix})")


def _cross(src: Source, merged: dict[str, Any]) -> None:
    cidr = merged["network"]["management_cidr"]
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        return
    for i, node in enumerate(merged["nodes"]):
        addr = ipaddress.ip_address(node["address"])
        if addr not in net:
            src.problem(join("nodes", i) + ".address",
                        f"{addr} is outside network.management_cidr {net}",
                        "use an address in the management network or widen "
                        "network.management_cidr")
        elif addr in (net.network_address, net.broadcast_address) and net.prefixlen < 31:
            src.problem(join("nodes", i) + ".address",
                        f"{addr} is the network or broadcast address of {net}",
                        "use a host address")
    cinder = merged["cinder"]
    if ("cinder" in merged["services"] and cinder["backend"] == "device"
            and not cinder["device"].startswith("/dev/")):
        src.problem("cinder.device", "must name a block device like /dev/sdb when "
                    "cinder.backend is device", "set cinder.device, or use backend: loop")


def resolve_secrets_path(answers_path: Path, merged: dict[str, Any] | None) -> Path:
    """Where the secrets file is: deployment.secrets_file, or <stem>.secrets.yml."""
    from installer.answers.secrets import default_path

    section = (merged or {}).get("deployment")
    name = section.get("secrets_file") if isinstance(section, dict) else None
    return answers_path.parent / name if isinstance(name, str) and name else \
        default_path(answers_path)

"""Validate an answer file against the schema and the topology rules, all problems at once."""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from installer.answers import checks
from installer.answers.schema import (
    NODE_KEYS,
    REQUIRED_NODE_KEYS,
    SCHEMA,
    SERVICE_CONFIG_FILES,
    SERVICE_DEPENDENCIES,
    SERVICES,
    SUPPORT_MATRIX,
    TOP_LEVEL_KEYS,
    TOPOLOGY_ROLES,
    Key,
    defaults,
)
from installer.answers.source import Source, join

IPV6_MANAGEMENT = "IPv6 management networks are not supported yet; use an IPv4 network"

_TYPE_NAMES = {"int": "a whole number", "bool": "true or false", "list": "a list",
               "map": "a mapping", "port": "a port number"}


def is_ipv6(address: Any) -> bool:
    """True if ``address`` is a valid IPv6 address."""
    try:
        return isinstance(address, str) and ipaddress.ip_address(address).version == 6
    except ValueError:
        return False


def _did_you_mean(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def _unknown(src: Source, key: str, name: object, known: Any) -> None:
    known = list(known)
    src.problem(join(key, str(name)), "is not a known setting",
                f"{_did_you_mean(str(name), known)}known keys here: {', '.join(known)}")


def _quoted(src: Source, key: str, value: Any) -> bool:
    """Report a plain scalar YAML 1.1 turned into a number, bool or date; True if it was one.

    ``vni_range: 1:50`` is the (base 60) number 110, ``yes``/``off`` are booleans, ``0755`` is
    octal 493 and ``2024-01-01`` a date: the message quotes what the operator wrote.
    """
    if key not in src.written:
        return False
    raw, kind = src.written[key]
    read_as = {"number": f"the number {value!r}", "bool": f"{str(value).lower()} (a yes/no value)",
               "date": "a date"}.get(kind, repr(value))
    name = key[key.rfind(".") + 1:]
    example = f"- {json.dumps(raw)}" if key.endswith("]") else f"{name}: {json.dumps(raw)}"
    src.problem(key, f"{raw} is read by YAML as {read_as}, not as the text you wrote",
                f"quote it: {example}")
    return True


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
        return _map(src, key, spec, value)
    # every remaining kind is text
    if not isinstance(value, str) and _quoted(src, key, value):
        return None
    if not isinstance(value, str) or (value == "" and not spec.optional):
        shown = "empty" if value == "" or value is None else repr(value)
        src.problem(key, f"must be text, not {shown}",
                    f"set a value, e.g. {spec.default!r}" if spec.default else "set a value")
        return None
    if why := checks.text(value):
        src.problem(key, why, _ONE_LINE + (f", like '{_example(spec)}'" if spec.default else ""))
        return None
    if kind == "enum":
        if value not in spec.choices:
            src.problem(key, f"{value!r} is not one of {', '.join(spec.choices)}",
                        f"{_did_you_mean(value, spec.choices)}use one of "
                        f"{', '.join(spec.choices)}")
            return None
        return value
    check = checks.STRING_CHECKS.get(kind)
    if value and check and (why := check(value)):
        src.problem(key, why, _fix(spec))
        return None
    return value


_ONE_LINE = "write it on one line, without '{{', '{%' or '{#'"


def _example(spec: Key) -> str:
    """The key's default as written in the file (no escapes)."""
    default = spec.default
    if isinstance(default, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in default.items()) + "}"
    return str(default)


def _fix(spec: Key) -> str:
    return f"write it like '{_example(spec)}'" if spec.default else "correct it"


def _map(src: Source, key: str, spec: Key, value: Any) -> dict[str, str] | None:
    """A mapping of names to text (locale.aliases): each name and value checked by its type."""
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        wrong = [k for k, v in value.items() if not isinstance(v, str)]
        if wrong:
            if not all([_quoted(src, join(key, k), value[k]) for k in wrong]):
                src.problem(key, "must be a mapping of names to text", _fix(spec))
            return None
        ok = True
        for name, text in value.items():
            for what, kind, checked in (("name", spec.names, name), ("value", spec.item, text)):
                check = checks.STRING_CHECKS.get(kind)
                if why := checks.text(checked) or (check(checked) if check else None):
                    src.problem(join(key, name), f"{what} {why}", _fix(spec))
                    ok = False
        return value if ok else None
    src.problem(key, "must be a mapping of names to text", _fix(spec))
    return None


def validate(src: Source) -> dict[str, Any] | None:
    """Return the merged settings (defaults + file) when every check passed, else None."""
    data = src.data
    if data is None:
        if not src.problems:
            src.problem("", "is empty", "write a commented answer file to start from with "
                        "`stackinstall answers generate -o NEW_FILE`")
        return None
    if not isinstance(data, dict):
        src.problem("", f"must be a mapping of settings, not {type(data).__name__}",
                    "start from `stackinstall answers generate -o NEW_FILE`")
        return None
    merged = defaults()
    for name, value in data.items():
        if name not in TOP_LEVEL_KEYS:
            _unknown(src, "", name, TOP_LEVEL_KEYS)
        elif name in SCHEMA:
            merged[name] = _section(src, name, value, merged[name])
    nodes = _nodes(src, data.get("nodes"))
    merged["nodes"] = [node for _i, node in nodes]
    merged["services"] = _services(src, data.get("services", list(SERVICES)))
    merged["overrides"] = _overrides(src, data.get("overrides", {}))
    _topology(src, merged, nodes)
    _support(src, merged)
    _addresses(src, merged, nodes)
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
            into[key] = checked
    return into


def _nodes(src: Source, value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The valid nodes, each with its index in the file's list (problems name that one)."""
    fix = "list each node as '- {name: openstack1, address: 10.0.0.11, roles: [controller]}'"
    if value is None:
        src.problem("nodes", "is missing: there are no nodes to deploy", fix)
        return []
    if not isinstance(value, list):
        src.problem("nodes", f"must be a list of nodes, not {type(value).__name__}", fix)
        return []
    if not value:
        src.problem("nodes", "is empty: there are no nodes to deploy (one of them the "
                    "controller)", fix)
        return []
    nodes: list[tuple[int, dict[str, Any]]] = []
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
        if is_ipv6(node.get("address")):
            src.problem(join(key, "address"), f"{node['address']} is an IPv6 address: "
                        f"{IPV6_MANAGEMENT}", "give the node its IPv4 address (the roles "
                        "build URLs from it without IPv6 brackets)")
            node["address"] = None
        for k in REQUIRED_NODE_KEYS:
            if k not in item:
                src.problem(key, f"has no '{k}'", f"add '{k}:' ({NODE_KEYS[k].doc})")
        if (all(v is not None for v in node.values())
                and all(k in node for k in REQUIRED_NODE_KEYS)):
            node.setdefault("connection", NODE_KEYS["connection"].default)
            if not node["roles"]:
                src.problem(join(key, "roles"), "is empty",
                            f"give the node at least one of {', '.join(TOPOLOGY_ROLES)}")
            node["roles"] = list(dict.fromkeys(node["roles"]))
            nodes.append((i, node))
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
    out = list(dict.fromkeys(out))
    _dependencies(src, value, out)
    return out


def _dependencies(src: Source, value: list[Any], enabled: list[str]) -> None:
    """Every enabled service needs the services it cannot run without (SERVICE_DEPENDENCIES)."""
    needed = set(enabled)
    while True:  # everything the enabled services need, directly or through another
        more = {dep for name in needed for dep in SERVICE_DEPENDENCIES[name]} - needed
        if not more:
            break
        needed |= more
    complete = [name for name in SERVICES if name in needed]
    for name in enabled:
        missing = [dep for dep in SERVICE_DEPENDENCIES[name] if dep not in enabled]
        if missing:
            src.problem(join("services", value.index(name)),
                        f"{name} needs {', '.join(missing)}, which "
                        f"{'is' if len(missing) == 1 else 'are'} not in services",
                        f"enable {'it' if len(missing) == 1 else 'them'}: services: "
                        f"[{', '.join(complete)}] (or remove {name})")


_INI_SHAPE = ("service -> file -> section -> key: value, e.g. {nova: {nova.conf: {DEFAULT: "
              "{debug: true}}}}")
_DJANGO_SHAPE = ("overrides.horizon takes Django settings by their upper-case names: "
                 "{horizon: {SETTING: value}}, e.g. {horizon: {TIME_ZONE: Europe/Paris}}")
_SCALAR = str | int | float | bool


def _overrides(src: Source, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        src.problem("overrides", "must be a mapping", _INI_SHAPE)
        return {}
    for service, files in value.items():
        key = join("overrides", str(service))
        if service not in SERVICES:
            _unknown(src, "overrides", service, SERVICES)
        elif service == "horizon":
            _django_settings(src, key, files)
        else:
            _ini_files(src, key, service, files)
    return value


def _ini_files(src: Source, key: str, service: str, files: Any) -> None:
    """INI overrides as roles/openstack_service/templates/ini.j2 renders them."""
    if not isinstance(files, dict):
        src.problem(key, "must map config file names to sections", _INI_SHAPE)
        return
    for fname, sections in files.items():
        fkey = join(key, str(fname))
        if fname not in SERVICE_CONFIG_FILES[service]:
            _unknown(src, key, fname, SERVICE_CONFIG_FILES[service])
            continue
        if not isinstance(sections, dict):
            src.problem(fkey, "must map INI section names to settings", _INI_SHAPE)
            continue
        for section, settings in sections.items():
            skey = join(fkey, str(section))
            if why := _ini_name(section, checks.ini_section):
                src.problem(skey, f"section {why}", _INI_SHAPE)
                continue
            if not isinstance(settings, dict):
                src.problem(skey, "must map option names to values", _INI_SHAPE)
                continue
            for opt, val in settings.items():
                if why := _ini_name(opt, checks.ini_option):
                    src.problem(join(skey, str(opt)), f"option {why}", _INI_SHAPE)
                else:
                    _ini_value(src, join(skey, str(opt)), val)


def _ini_name(name: Any, check: Callable[[str], str | None]) -> str | None:
    """Why an INI section or option name cannot be written as it is (None: it can)."""
    text = str(name)
    return checks.text(text) or check(text)


def _ini_value(src: Source, key: str, value: Any) -> None:
    """One INI option: a value, a list (written comma-separated) or null (left out)."""
    fix = "e.g. debug: true, or enabled_filters: [ComputeFilter, ImagePropertiesFilter]"
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for i, item in items:
        ikey = key if i is None else join(key, i)
        if isinstance(item, str) and (why := checks.text(item)):
            src.problem(ikey, why, _ONE_LINE)
        elif isinstance(item, _SCALAR) or (item is None and i is None):
            _surprising_number(src, ikey, item)
        elif not _quoted(src, ikey, item):
            src.problem(key, "must be a value (text, number or true/false), a list of values "
                        "(written comma-separated) or null (leaves the option out)", fix)
            return


def _surprising_number(src: Source, key: str, value: Any) -> bool:
    """An unquoted override YAML 1.1 read as a number other than the digits written.

    ``umask: 0022`` would reach the INI file as 18 and ``range: 1:50`` as 110.
    """
    raw, kind = src.written.get(key, ("", ""))
    if kind != "number" or re.fullmatch(r"[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?", raw):
        return False
    return _quoted(src, key, value)


def _django_settings(src: Source, key: str, settings: Any) -> None:
    """Horizon overrides as roles/horizon (tasks/checks.yml, local_settings.py.j2) takes them."""
    if not isinstance(settings, dict):
        src.problem(key, "must map Django setting names to values", _DJANGO_SHAPE)
        return
    for name, val in settings.items():
        skey = join(key, str(name))
        if not isinstance(name, str) or checks.text(name) or checks.django_setting(name):
            src.problem(skey, f"{name!r} is not a Django setting name", _DJANGO_SHAPE)
        else:
            _python_literal(src, skey, val)


def _python_literal(src: Source, key: str, value: Any) -> None:
    """Values the dashboard template writes as Python literals: scalars, lists, mappings."""
    if isinstance(value, str) and (why := checks.text(value)):
        src.problem(key, why, _ONE_LINE)
        return
    if value is None or isinstance(value, _SCALAR):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _python_literal(src, join(key, i), item)
    elif isinstance(value, dict):
        for k, item in value.items():
            if isinstance(k, str) and (why := checks.text(k)):
                src.problem(join(key, k), f"name {why}", _ONE_LINE)
            else:
                _python_literal(src, join(key, str(k)), item)
    elif not _quoted(src, key, value):
        src.problem(key, f"cannot be written as a Python value ({type(value).__name__})",
                    "use text, a number, true/false, null, a list or a mapping")


def _topology(src: Source, merged: dict[str, Any],
              indexed: list[tuple[int, dict[str, Any]]]) -> None:
    nodes = merged["nodes"]
    seen_names: dict[str, int] = {}
    seen_addr: dict[str, int] = {}
    for i, node in indexed:
        name, addr = node["name"].lower(), str(ipaddress.ip_address(node["address"]))
        if name in seen_names:
            src.problem(join("nodes", i) + ".name", f"duplicate node name {node['name']!r} "
                        f"(also nodes[{seen_names[name]}])", "give every node its own name")
        seen_names.setdefault(name, i)
        if addr in seen_addr:
            src.problem(join("nodes", i) + ".address", f"duplicate address {addr} (also "
                        f"nodes[{seen_addr[addr]}])", "give every node its own address")
        seen_addr.setdefault(addr, i)
    _one_local(src, indexed)
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


def _one_local(src: Source, indexed: list[tuple[int, dict[str, Any]]]) -> None:
    """Only the machine stackinstall runs on can be reached without SSH: one node at most."""
    local = [i for i, node in indexed if node["connection"] == "local"]
    for i in local[1:]:
        src.problem(join("nodes", i) + ".connection",
                    f"is local, as nodes[{local[0]}] is: only one node can be the machine "
                    "stackinstall runs on", "set connection: ssh (or remove the key) on every "
                    "node but the one you run stackinstall on")


def _support(src: Source, merged: dict[str, Any]) -> None:
    release, distro = merged["deployment"]["release"], merged["deployment"]["distro"]
    if distro != "auto" and release not in SUPPORT_MATRIX[distro]:
        matrix = "; ".join(f"{d}: {', '.join(r)}" for d, r in SUPPORT_MATRIX.items())
        src.problem("deployment.release", f"{release!r} is not supported on {distro}",
                    f"choose a supported pair ({matrix})")
    driver = merged["network"]["mechanism_driver"]
    if why := checks.mechanism_driver(driver, release):
        other = "linuxbridge" if driver == "openvswitch" else "openvswitch"
        src.problem("network.mechanism_driver", why,
                    f"set it to {other!r} (or change deployment.release)")


def _addresses(src: Source, merged: dict[str, Any],
               indexed: list[tuple[int, dict[str, Any]]]) -> None:
    """Node addresses lie in the operator's management network (never in the default)."""
    if any(p.key in ("network", "network.management_cidr") for p in src.problems):
        return  # the operator's network is invalid: the default would give false problems
    net = ipaddress.ip_network(merged["network"]["management_cidr"])
    if net.version == 6:
        src.problem("network.management_cidr", f"{net} is an IPv6 network: {IPV6_MANAGEMENT}",
                    "set an IPv4 network such as 10.0.0.0/24 (the roles build URLs from "
                    "addresses without IPv6 brackets)")
        return
    for i, node in indexed:
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


def _cross(src: Source, merged: dict[str, Any]) -> None:
    cinder = merged["cinder"]
    if "cinder" in merged["services"] and cinder["backend"] == "device" and not cinder["device"]:
        src.problem("cinder.device", "must name a block device like /dev/sdb when "
                    "cinder.backend is device", "set cinder.device, or use backend: loop")
    if "cinder" in merged["services"] and cinder["backend"] == "ceph":
        _ceph(src, merged["ceph"])
    _provider(src, merged["network"])
    _tls(src, merged)


def _tls(src: Source, merged: dict[str, Any]) -> None:
    """The front door's settings fit together; a provided certificate is good for them."""
    tls = merged["tls"]
    if any(p.key.startswith("tls") or p.key.startswith("nodes") for p in src.problems):
        return
    files = {key: tls[key] for key in ("certificate", "key", "chain")}
    if tls["mode"] != "provided":
        for key, value in files.items():
            if value:
                src.problem(f"tls.{key}", f"is set but tls.mode is {tls['mode']}",
                            "set tls.mode: provided to use it, or remove it")
    controllers = [n for n in merged["nodes"] if "controller" in n["roles"]]
    if tls["mode"] == "off" or len(controllers) != 1:
        return
    management = controllers[0]["address"]
    public = tls["public_address"] or management
    if not tls["internal"] and public == management:
        src.problem("tls.internal", "is false but the public endpoints share the "
                    f"controller's management address {management}: one address cannot "
                    "serve both TLS and plain HTTP on a port",
                    "set tls.public_address to the controller's public address, or "
                    "tls.internal: true")
    if tls["mode"] == "provided":
        from installer.tls import provided

        for found in provided.check(src.path.parent, files, tls["public_name"] or public,
                                    management if tls["internal"] else ""):
            src.problem(found.key, found.message, found.fix)


def _ceph(src: Source, ceph: dict[str, Any]) -> None:
    if ceph["mode"] != "external":
        return
    if not ceph["monitors"]:
        src.problem("ceph.monitors", "is empty but ceph.mode is external",
                    "list the monitor addresses of the existing cluster")
    try:
        uuid.UUID(ceph["fsid"])
    except ValueError:
        src.problem("ceph.fsid", f"{ceph['fsid']!r} is not the fsid of a cluster "
                    "(a UUID) but ceph.mode is external",
                    "copy it from `ceph fsid` on the existing cluster")


def _provider(src: Source, network: dict[str, Any]) -> None:
    """The provider subnet, its floating IP pool and gateway must fit together."""
    cidr, pool, gateway = (network["provider_cidr"], network["provider_pool"],
                           network["provider_gateway"])
    if not cidr:
        for key, value in (("pool", pool), ("gateway", gateway)):
            if value:
                src.problem(f"network.provider_{key}", "is set but network.provider_cidr "
                            "is empty", "set network.provider_cidr too, or remove it")
        return
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        return
    if gateway and ipaddress.ip_address(gateway) not in net:
        src.problem("network.provider_gateway", f"{gateway} is outside {net}",
                    "use an address of network.provider_cidr, or leave it empty")
    if pool:
        try:
            first, last = (ipaddress.ip_address(p.strip()) for p in pool.split("-"))
        except ValueError:
            src.problem("network.provider_pool", f"{pool!r} is not a range FIRST-LAST",
                        f"e.g. {net[100]}-{net[-2]}" if net.num_addresses > 102 else
                        "write two addresses joined by '-'")
            return
        if first not in net or last not in net or first > last:
            src.problem("network.provider_pool", f"{pool!r} is not a range inside {net}",
                        "give FIRST-LAST with FIRST <= LAST, both in network.provider_cidr")


def resolve_secrets_path(answers_path: Path, merged: dict[str, Any] | None) -> Path:
    """Where the secrets file is: deployment.secrets_file, or <stem>.secrets.yml."""
    from installer.answers.secrets import default_path

    section = (merged or {}).get("deployment")
    name = section.get("secrets_file") if isinstance(section, dict) else None
    return answers_path.parent / name if isinstance(name, str) and name else \
        default_path(answers_path)

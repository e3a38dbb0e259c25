"""The service catalogue (catalogue.yml beside this file), loaded and checked once.

Everything that more than one part of stackinstall knows about a service is read from here:
the answer-file schema (services, dependencies, overrides, secrets and their rules, the support
matrix), render (inventory groups and the ``deployment_catalogue`` variable the roles take
package and unit names, ports, the release's facts and the support matrix from), preflight
(platforms, ports), verify (packages, units, ports, config files, catalog endpoints) and the
smoke.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).with_name("catalogue.yml")
FAMILIES: tuple[str, ...] = ("debian", "ubuntu", "redhat")
TOPOLOGY_ROLES: tuple[str, ...] = ("controller", "network", "compute", "storage")
#: ``nodes`` of a group that every node but the controller joins.
OTHERS = "others"


class CatalogueError(Exception):
    """catalogue.yml is inconsistent (a defect of stackinstall, caught by its tests)."""


@dataclass(frozen=True)
class Api:
    """A service's entry in keystone's catalog."""

    name: str
    type: str
    description: str
    port: int
    path: str

    def url(self, address: str, scheme: str = "http") -> str:
        return f"{scheme}://{address}:{self.port}{self.path}"


@dataclass(frozen=True)
class Secret:
    name: str
    doc: str
    kind: str  # password | cephx | uuid


@dataclass(frozen=True)
class Service:
    name: str
    role: str
    infra: bool
    depends: tuple[str, ...]
    overrides: tuple[str, ...]
    secrets: tuple[Secret, ...]
    api: Api | None


@dataclass(frozen=True)
class Group:
    name: str
    service: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    """A config file with secrets: owned root:<group>, not readable by others."""

    path: str
    group: Mapping[str, str]


def selects(when: Mapping[str, Sequence[str]], values: Mapping[str, Any]) -> bool:
    """Whether the rendered variables ``values`` meet a ``when`` (variable -> allowed values,
    all of them): the catalogue's rule for components, also used by verify's checks."""
    return all(str(values.get(var, "")) in allowed for var, allowed in when.items())


@dataclass(frozen=True)
class Firewall:
    """How an L2 agent enforces security groups."""

    driver: str
    #: the driver filters bridged traffic with iptables, so the kernel needs br_netfilter
    br_netfilter: bool


@dataclass(frozen=True)
class Component:
    """What part of one inventory group runs, per distro family."""

    name: str
    group: str
    packages: Mapping[str, tuple[str, ...]]
    units: Mapping[str, tuple[str, ...]]
    ports: tuple[int, ...]
    configs: tuple[Config, ...]
    when: Mapping[str, tuple[str, ...]]
    #: binaries that heartbeat into their API's service list, by openstacksdk proxy
    reports: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: an L2 agent's security-group enforcement
    firewall: Firewall | None = None

    def active(self, values: Mapping[str, Any]) -> bool:
        """Whether the rendered variables ``values`` select this component."""
        return selects(self.when, values)


@dataclass(frozen=True)
class SecretRules:
    """What a password-kind secret must be."""

    min_length: int
    min_distinct: int
    weak_words: frozenset[str]


@dataclass(frozen=True)
class Minimum:
    """The least a node needs (catalogue.yml: minimums)."""

    cpus: int
    memory_gib: float
    #: free space on / and on /var (each; one filesystem holding both counts once per path)
    disk_gib: float


@dataclass(frozen=True)
class Wildcard:
    """A listener the catalogue allows on a wildcard address (catalogue.yml: listeners)."""

    process: str
    #: the ports it may listen on; empty: any port of the process
    ports: tuple[int, ...]
    reason: str

    def allows(self, process: str, port: int) -> bool:
        return process == self.process and (not self.ports or port in self.ports)


@dataclass(frozen=True)
class Frontend:
    """One port of the TLS front door (catalogue.yml: front_door.frontends)."""

    #: the service that must be enabled for it
    service: str
    #: the port HAProxy serves with TLS
    port: int
    #: the port the service listens on behind HAProxy (on the front door's backend address)
    backend_port: int
    #: a plain-HTTP port that redirects to this one (0: none)
    redirect_port: int = 0


@dataclass(frozen=True)
class FrontDoor:
    """HAProxy's frontends and where the services behind it listen."""

    #: ``loopback`` (one controller) or ``management``
    backend_address: str
    frontends: tuple[Frontend, ...]
    #: the CA on every node (roles/tls)
    ca_file: str = ""

    def enabled(self, services: tuple[str, ...] | list[str]) -> tuple[Frontend, ...]:
        """The frontends of keystone and the enabled services."""
        return tuple(f for f in self.frontends
                     if f.service == "keystone" or f.service in services)


@dataclass(frozen=True)
class Catalogue:
    release: str
    services: Mapping[str, Service]
    groups: Mapping[str, Group]
    components: Mapping[str, Component]
    #: family -> version -> releases (the support matrix)
    platforms: Mapping[str, Mapping[str, tuple[str, ...]]]
    #: family -> version -> the release its own archive ships
    native_releases: Mapping[str, Mapping[str, str]]
    #: port name -> TCP port
    ports: Mapping[str, int]
    #: the release's facts (``facts`` with ``releases.<release>.facts`` applied)
    facts: Mapping[str, Any]
    secret_rules: SecretRules
    #: name -> regular expression an answer-file text must match whole (catalogue.yml:
    #: patterns; answers validate and the roles' checks)
    patterns: Mapping[str, str]
    #: topology role -> its minimum
    minimums: Mapping[str, Minimum]
    #: the minimum of a node with every topology role (the all-in-one)
    every_role: Minimum
    #: what may listen on a wildcard address (everything else binds to the management
    #: address or loopback)
    wildcards: tuple[Wildcard, ...] = ()
    #: the TLS front door (tls.mode self-signed or provided)
    front_door: FrontDoor = FrontDoor("loopback", (), "")

    def port(self, name: str) -> int:
        """The TCP port called ``name`` in catalogue.yml's ``ports``."""
        return self.ports[name]

    def support_matrix(self) -> dict[str, tuple[str, ...]]:
        """family -> every release some version of it installs, in catalogue order."""
        return {family: tuple(dict.fromkeys(r for rs in versions.values() for r in rs))
                for family, versions in self.platforms.items()}

    @property
    def openstack_services(self) -> tuple[str, ...]:
        """The services an answer file chooses from, in install order."""
        return tuple(s.name for s in self.services.values() if not s.infra)

    def secrets(self) -> tuple[Secret, ...]:
        return tuple(secret for s in self.services.values() for secret in s.secrets)

    def in_group(self, group: str, values: Mapping[str, Any] | None = None) -> list[Component]:
        """The group's components; only those ``values`` select when given."""
        return [c for c in self.components.values()
                if c.group == group and (values is None or c.active(values))]

    def apis(self, enabled: tuple[str, ...] | list[str]) -> dict[str, Api]:
        """The catalog entries of keystone and the enabled services."""
        return {s.name: s.api for s in self.services.values()
                if s.api and (s.name == "keystone" or s.name in enabled)}

    def rendered(self) -> dict[str, Any]:
        """``deployment_catalogue``: what the roles read (docs/contracts.md)."""
        return {
            "components": {
                c.name: {"group": c.group,
                         "packages": {f: list(c.packages[f]) for f in FAMILIES},
                         "units": {f: list(c.units[f]) for f in FAMILIES},
                         "ports": list(c.ports),
                         **({"reports": {k: list(v) for k, v in c.reports.items()}}
                            if c.reports else {}),
                         **({"firewall": {"driver": c.firewall.driver,
                                          "br_netfilter": c.firewall.br_netfilter}}
                            if c.firewall else {})}
                for c in self.components.values()
            },
            "overrides": {name: list(s.overrides) for name, s in self.services.items()
                          if not s.infra},
            "apis": {name: {"name": s.api.name, "type": s.api.type,
                            "description": s.api.description, "port": s.api.port,
                            "path": s.api.path}
                     for name, s in self.services.items() if s.api},
            "ports": dict(self.ports),
            "platforms": {f: {v: list(rs) for v, rs in versions.items()}
                          for f, versions in self.platforms.items()},
            "native_releases": {f: dict(v) for f, v in self.native_releases.items()},
            "release": {"name": self.release, **self.facts},
            "secrets": {"min_length": self.secret_rules.min_length},
            "patterns": dict(self.patterns),
            "wildcards": [{"process": w.process, "ports": list(w.ports), "reason": w.reason}
                          for w in self.wildcards],
            "front_door": {
                "backend_address": self.front_door.backend_address,
                "ca_file": self.front_door.ca_file,
                "frontends": [{"service": f.service, "port": f.port,
                               "backend_port": f.backend_port, "redirect_port": f.redirect_port}
                              for f in self.front_door.frontends],
            },
        }


def _per_family(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    """A list for every family, or a mapping that names each family."""
    if value is None:
        value = []
    if isinstance(value, list):
        return {f: tuple(str(v) for v in value) for f in FAMILIES}
    if isinstance(value, dict) and set(value) == set(FAMILIES):
        return {f: tuple(str(v) for v in value[f] or []) for f in FAMILIES}
    raise CatalogueError(f"{where}: give a list, or a mapping of exactly {', '.join(FAMILIES)}")


def _family_name(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return dict.fromkeys(FAMILIES, value)
    if isinstance(value, dict) and set(value) == set(FAMILIES):
        return {f: str(value[f]) for f in FAMILIES}
    raise CatalogueError(f"{where}: give a name, or a mapping of exactly {', '.join(FAMILIES)}")


def _port(ports: Mapping[str, int], name: Any, where: str) -> int:
    if str(name) not in ports:
        raise CatalogueError(f"{where}: {name} is not a name in ports")
    return ports[str(name)]


def _service(name: str, raw: dict[str, Any], ports: Mapping[str, int]) -> Service:
    api = raw.get("api")
    return Service(
        name=name, role=str(raw["role"]), infra=bool(raw.get("infra", False)),
        depends=tuple(raw.get("depends") or ()), overrides=tuple(raw.get("overrides") or ()),
        secrets=tuple(Secret(k, str(v["doc"]), str(v.get("kind", "password")))
                      for k, v in (raw.get("secrets") or {}).items()),
        api=Api(str(api["name"]), str(api["type"]), str(api["description"]),
                _port(ports, api["port"], f"services.{name}.api.port"),
                str(api["path"])) if api else None,
    )


def _component(name: str, raw: dict[str, Any], ports: Mapping[str, int]) -> Component:
    where = f"components.{name}"
    units = _per_family(raw.get("units"), f"{where}.units")
    return Component(
        name=name, group=str(raw["group"]),
        packages=_per_family(raw.get("packages"), f"{where}.packages"),
        units=units,
        ports=tuple(_port(ports, p, f"{where}.ports") for p in raw.get("ports") or ()),
        configs=tuple(Config(str(c["path"]), _family_name(c["group"], f"{where}.configs"))
                      for c in raw.get("configs") or ()),
        when={str(k): tuple(str(v) for v in vs) for k, vs in (raw.get("when") or {}).items()},
        reports=_reports(raw.get("reports"), units, where),
        firewall=_firewall(raw.get("firewall"), f"{where}.firewall"),
    )


def _firewall(raw: Any, where: str) -> Firewall | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("driver"), str) \
            or not isinstance(raw.get("br_netfilter"), bool):
        raise CatalogueError(f"{where}: needs driver (a name) and br_netfilter (true/false)")
    return Firewall(raw["driver"], raw["br_netfilter"])


def _reports(raw: Any, units: Mapping[str, tuple[str, ...]],
             where: str) -> dict[str, tuple[str, ...]]:
    """``reports``: each binary must be the last part of one of ``units`` on every family."""
    reports = {str(proxy): tuple(str(b) for b in binaries or ())
               for proxy, binaries in (raw or {}).items()}
    for binary in (b for binaries in reports.values() for b in binaries):
        for family, names in units.items():
            if not any(u == binary or u.endswith(f"-{binary}") for u in names):
                raise CatalogueError(f"{where}.reports: {binary} is no unit of {family} "
                                     f"({', '.join(names) or 'none'})")
    return reports


def _wildcard(raw: Mapping[str, Any], ports: Mapping[str, int], where: str) -> Wildcard:
    if not str(raw.get("reason") or "").strip():
        raise CatalogueError(f"{where}: say why it must listen on every address (reason)")
    return Wildcard(str(raw["process"]),
                    tuple(_port(ports, p, f"{where}.ports") for p in raw.get("ports") or ()),
                    " ".join(str(raw["reason"]).split()))


def _front_door(raw: Mapping[str, Any], ports: Mapping[str, int]) -> FrontDoor:
    where = "front_door"
    address = str(raw.get("backend_address", "loopback"))
    if address not in ("loopback", "management"):
        raise CatalogueError(f"{where}.backend_address: loopback or management")
    frontends = []
    for i, item in enumerate(raw.get("frontends") or ()):
        at = f"{where}.frontends[{i}]"
        frontends.append(Frontend(
            service=str(item["service"]), port=_port(ports, item["port"], f"{at}.port"),
            backend_port=_port(ports, item.get("backend", item["port"]), f"{at}.backend"),
            redirect_port=_port(ports, item["redirect"], f"{at}.redirect")
            if item.get("redirect") else 0))
    return FrontDoor(address, tuple(frontends), str(raw.get("ca_file", "")))


def _minimum(raw: Mapping[str, Any]) -> Minimum:
    return Minimum(int(raw["cpus"]), float(raw["memory_gib"]), float(raw["disk_gib"]))


def _apply_release(raw: dict[str, Any], release: str) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    differences = (raw.get("releases") or {}).get(release, {}) or {}
    unknown = set(differences.get("facts") or {}) - set(raw.get("facts") or {})
    if unknown:
        raise CatalogueError(f"releases.{release}.facts: {', '.join(sorted(unknown))} "
                             "not in facts")
    data["facts"] = {**(raw.get("facts") or {}), **(differences.get("facts") or {})}
    for section in ("listeners", "front_door"):
        if differences.get(section):
            data[section] = differences[section]
    for name, fields in (differences.get("components", {}) or {}).items():
        if name not in data["components"]:
            raise CatalogueError(f"releases.{release}.components.{name}: no such component")
        target = data["components"][name]
        for key, value in fields.items():
            if isinstance(value, dict) and isinstance(target.get(key), dict):
                target[key] = {**target[key], **value}
            elif isinstance(value, dict) and isinstance(target.get(key), list):
                target[key] = {f: value.get(f, target[key]) for f in FAMILIES}
            else:
                target[key] = value
    return data


def _check(cat: Catalogue) -> None:
    for name, pattern in cat.patterns.items():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CatalogueError(f"patterns.{name}: {exc}") from exc
    for group in cat.groups.values():
        if group.service not in cat.services:
            raise CatalogueError(f"groups.{group.name}: no service {group.service}")
        if set(group.nodes) - {*TOPOLOGY_ROLES, OTHERS}:
            raise CatalogueError(f"groups.{group.name}.nodes: topology roles or {OTHERS}")
    if set(cat.platforms) != set(FAMILIES):
        raise CatalogueError(f"platforms: give exactly {', '.join(FAMILIES)}")
    supported = {r for versions in cat.platforms.values() for rs in versions.values() for r in rs}
    if cat.release not in supported:
        raise CatalogueError(f"{cat.release} is in no platforms entry")
    for comp in cat.components.values():
        if comp.group not in cat.groups:
            raise CatalogueError(f"components.{comp.name}: no group {comp.group}")
    if set(cat.minimums) != set(TOPOLOGY_ROLES):
        raise CatalogueError(f"minimums.roles: give exactly {', '.join(TOPOLOGY_ROLES)}")
    every = cat.every_role
    if any(every.cpus < m.cpus or every.memory_gib < m.memory_gib or every.disk_gib < m.disk_gib
           for m in cat.minimums.values()):
        raise CatalogueError("minimums.every_role: less than one of the roles needs alone")
    for frontend in cat.front_door.frontends:
        if frontend.service not in cat.services:
            raise CatalogueError(f"front_door.frontends: no service {frontend.service}")
    for service in cat.services.values():
        for dep in service.depends:
            if dep not in cat.services or cat.services[dep].infra:
                raise CatalogueError(f"services.{service.name}.depends: {dep} is not a service")


def releases() -> tuple[str, ...]:
    """Every release of the support matrix, in catalogue order."""
    return tuple(dict.fromkeys(r for rs in load().support_matrix().values() for r in rs))


@cache
def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    return data


def default_release() -> str:
    """The release of an answer file that names none."""
    return str(_raw()["default_release"])


@cache
def load(release: str | None = None) -> Catalogue:
    """The catalogue with ``release``'s differences applied (default: default_release())."""
    release = release or default_release()
    raw = _raw()
    if tuple(raw.get("families", ())) != FAMILIES:
        raise CatalogueError(f"families must be {', '.join(FAMILIES)}")
    data = _apply_release(raw, release)
    ports = {str(k): int(v) for k, v in data["ports"].items()}
    rules = data["secret_rules"]
    cat = Catalogue(
        release=release,
        services={k: _service(k, v, ports) for k, v in data["services"].items()},
        groups={k: Group(k, str(v["service"]), tuple(v.get("nodes") or ()))
                for k, v in data["groups"].items()},
        components={k: _component(k, v, ports) for k, v in data["components"].items()},
        platforms={str(f): {str(v): tuple(str(r) for r in rs) for v, rs in versions.items()}
                   for f, versions in data["platforms"].items()},
        native_releases={str(f): {str(v): str(r) for v, r in (versions or {}).items()}
                         for f, versions in data["native_releases"].items()},
        ports=ports,
        facts=data["facts"],
        secret_rules=SecretRules(int(rules["min_length"]), int(rules["min_distinct"]),
                                 frozenset(str(w).lower() for w in rules["weak_words"])),
        patterns={str(k): str(v) for k, v in data["patterns"].items()},
        minimums={str(k): _minimum(v) for k, v in data["minimums"]["roles"].items()},
        every_role=_minimum(data["minimums"]["every_role"]),
        wildcards=tuple(_wildcard(w, ports, f"listeners.wildcards[{i}]")
                        for i, w in enumerate((data.get("listeners") or {}).get("wildcards")
                                              or ())),
        front_door=_front_door(data.get("front_door") or {}, ports),
    )
    _check(cat)
    return cat

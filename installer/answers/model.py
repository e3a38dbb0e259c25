"""The typed deployment model that validated answer files become."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Node:
    name: str
    address: str
    roles: tuple[str, ...]
    #: ``ssh`` or ``local`` (the machine stackinstall runs on: no SSH)
    connection: str = "ssh"

    @property
    def local(self) -> bool:
        return self.connection == "local"


@dataclass(frozen=True)
class Ssh:
    user: str
    port: int
    private_key: str
    become: bool


@dataclass(frozen=True)
class Network:
    management_cidr: str
    provider_interface: str
    provider_physnet: str
    mechanism_driver: str
    overlay: str
    vni_range: str
    provider_cidr: str = ""
    provider_pool: str = ""
    provider_gateway: str = ""


@dataclass(frozen=True)
class Ntp:
    servers: tuple[str, ...]
    allow: tuple[str, ...]


@dataclass(frozen=True)
class Locale:
    lang: str
    lc_all: str
    prompt: str
    aliases: dict[str, str]


@dataclass(frozen=True)
class Tuning:
    workers: int


@dataclass(frozen=True)
class Nova:
    virt_type: str


@dataclass(frozen=True)
class Cinder:
    backend: str
    device: str
    loop_size_gb: int


@dataclass(frozen=True)
class Ceph:
    mode: str = "deployed"
    osd_devices: tuple[str, ...] = ()
    osd_file_size_gb: int = 10
    monitors: tuple[str, ...] = ()
    fsid: str = ""


@dataclass(frozen=True)
class Repos:
    mirror: str
    proxy: str
    upgrade: str = "first"


@dataclass(frozen=True)
class Tls:
    """The front door's TLS (answer file: tls)."""

    mode: str = "self-signed"
    public_name: str = ""
    public_address: str = ""
    internal: bool = True
    #: tls.mode provided: absolute paths (relative ones resolved against the answer file)
    certificate: str = ""
    key: str = ""
    chain: str = ""

    @property
    def enabled(self) -> bool:
        return self.mode != "off"


class Secrets(dict[str, str]):
    """The secrets mapping; its repr never shows a value."""

    def __repr__(self) -> str:
        return f"Secrets({sorted(self)} values hidden)"

    __str__ = __repr__


@dataclass(frozen=True)
class Deployment:
    """Everything a deployment needs, validated."""

    path: Path
    secrets_path: Path
    name: str
    release: str
    distro: str
    ssh: Ssh
    network: Network
    nodes: tuple[Node, ...]
    ntp: Ntp
    locale: Locale
    services: tuple[str, ...]
    tuning: Tuning
    nova: Nova
    cinder: Cinder
    repos: Repos
    overrides: dict[str, dict[str, dict[str, dict[str, Any]]]]
    secrets: Secrets = field(repr=False)
    ceph: Ceph = field(default_factory=Ceph)
    tls: Tls = field(default_factory=Tls)

    @property
    def controller(self) -> Node:
        return next(n for n in self.nodes if "controller" in n.roles)

    @property
    def local_node(self) -> Node | None:
        """The node that is this machine (``connection: local``), if any."""
        return next((n for n in self.nodes if n.local), None)

    def nodes_with(self, role: str) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if role in n.roles)

    @property
    def public_address(self) -> str:
        """The address HAProxy serves the public endpoints on."""
        return self.tls.public_address or self.controller.address

    @property
    def public_host(self) -> str:
        """The host of the public endpoints' URLs (and the dashboard's)."""
        if not self.tls.enabled:
            return self.controller.address
        return self.tls.public_name or self.public_address

    @property
    def default_deploy_dir(self) -> Path:
        return self.path.parent / "deployments" / self.name

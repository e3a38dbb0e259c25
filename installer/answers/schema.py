"""The answer file's schema: every key, its type, default and one-line explanation.

This table is the single source for validation, ``answers generate`` (the commented file)
and the answer-file reference docs/answers.md (``tests/unit/answers/test_reference.py`` keeps
it in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from installer import catalogue

_CATALOGUE = catalogue.load()
TOPOLOGY_ROLES: tuple[str, ...] = catalogue.TOPOLOGY_ROLES
SERVICES: tuple[str, ...] = _CATALOGUE.openstack_services

#: Config files each service's ``overrides`` may name (INI files the roles template; horizon
#: takes Django settings instead: catalogue.yml patterns.django_setting).
SERVICE_CONFIG_FILES: dict[str, tuple[str, ...]] = {
    name: _CATALOGUE.services[name].overrides for name in SERVICES
    if _CATALOGUE.services[name].overrides
}

#: Which OpenStack releases each distro family can install (catalogue.yml: platforms).
SUPPORT_MATRIX: dict[str, tuple[str, ...]] = _CATALOGUE.support_matrix()
DISTROS: tuple[str, ...] = ("auto", *SUPPORT_MATRIX)
RELEASES: tuple[str, ...] = tuple(
    dict.fromkeys(r for releases in SUPPORT_MATRIX.values() for r in releases)
)

#: Every secret in the secrets file, with what it protects.
SECRETS: dict[str, str] = {secret.name: secret.doc for secret in _CATALOGUE.secrets()}
#: Secrets that are cephx keys (base64 of a 16-byte AES key with its header), not passwords.
CEPHX_SECRETS: tuple[str, ...] = tuple(s.name for s in _CATALOGUE.secrets() if s.kind == "cephx")
#: Secrets that are UUIDs.
UUID_SECRETS: tuple[str, ...] = tuple(s.name for s in _CATALOGUE.secrets() if s.kind == "uuid")


@dataclass(frozen=True)
class Key:
    """One leaf setting of the answer file."""

    #: int | bool | port | list | map | enum, or a text type of checks.STRING_CHECKS (hostname,
    #: ip, cidr, url, device, ...): every text key has a check that excludes what its use on
    #: the nodes cannot take (tests/contract/test_answer_input.py)
    type: str
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    item: str = "str"  # element type for lists, value type for maps
    optional: bool = False  # empty string allowed
    names: str = ""  # text type of a map's names


@dataclass(frozen=True)
class Section:
    """A mapping of keys in the answer file."""

    doc: str
    keys: dict[str, Key] = field(default_factory=dict)


NODE_KEYS: dict[str, Key] = {
    "name": Key("hostname", None, "Hostname of the node (also its inventory name)."),
    "address": Key("ip", None, "Management IP address; must be inside network.management_cidr."),
    "roles": Key(
        "list",
        None,
        "Topology roles: controller, network, compute, storage (one node may have several).",
        choices=TOPOLOGY_ROLES,
        item="enum",
    ),
    "connection": Key(
        "enum", "ssh",
        "ssh, or local: the machine stackinstall runs on, without SSH (one node at most).",
        choices=("ssh", "local"),
    ),
}
#: The node keys every node must have (the others have a default).
REQUIRED_NODE_KEYS: tuple[str, ...] = tuple(k for k, spec in NODE_KEYS.items()
                                            if spec.default is None)

SCHEMA: dict[str, Section] = {
    "deployment": Section(
        "What is deployed.",
        {
            "name": Key(
                "hostname", "openstack", "Deployment name; names the deployment directory."
            ),
            "release": Key("enum", catalogue.default_release(), "OpenStack release to install.",
                           choices=RELEASES),
            "distro": Key(
                "enum",
                "auto",
                "Target distro family (auto detects it on the nodes).",
                choices=DISTROS,
            ),
            "secrets_file": Key(
                "file_path",
                "",
                "Secrets file, relative to this file (empty: <this file's name>.secrets.yml).",
                optional=True,
            ),
        },
    ),
    "ssh": Section(
        "How Ansible reaches the nodes.",
        {
            "user": Key("user", "root", "SSH user on every node."),
            "port": Key("port", 22, "SSH port on every node."),
            "private_key": Key("key_path", "~/.ssh/id_ed25519", "Private key used to log in."),
            "become": Key("bool", False, "Use sudo to become root (needed when user is not root)."),
        },
    ),
    "network": Section(
        "Networks of the cloud.",
        {
            "management_cidr": Key(
                "cidr", "10.0.0.0/24", "Management network; every node address lies in it."
            ),
            "provider_interface": Key(
                "interface", "eth1",
                "Interface on network and compute nodes for the provider network."
            ),
            "provider_physnet": Key("physnet", "provider", "Neutron physical network name."),
            "mechanism_driver": Key(
                "enum",
                "linuxbridge",
                "Neutron ML2 mechanism driver: linuxbridge up to Zed (removed in Epoxy), "
                "openvswitch from Epoxy on; validate refuses the other.",
                choices=("linuxbridge", "openvswitch"),
            ),
            "overlay": Key(
                "enum", "vxlan", "Self-service overlay networks.", choices=("vxlan", "none")
            ),
            "vni_range": Key("vni_range", "1:1000", "VXLAN VNI range for self-service networks."),
            "provider_cidr": Key(
                "cidr", "",
                "Subnet of the provider network; the post phase creates the external network "
                "'public' on it for routers and floating IPs (empty: none is created).",
                optional=True,
            ),
            "provider_pool": Key(
                "ip_range", "",
                "Floating IP range FIRST-LAST inside provider_cidr (empty: the upper half "
                "of provider_cidr).",
                optional=True,
            ),
            "provider_gateway": Key(
                "ip", "",
                "Gateway of the provider network (empty: none, routers reach only the "
                "provider subnet itself).",
                optional=True,
            ),
        },
    ),
    "ntp": Section(
        "Time: the controller follows these servers and serves the other nodes.",
        {
            "servers": Key(
                "list", ["0.debian.pool.ntp.org", "1.debian.pool.ntp.org"],
                "Upstream NTP servers for the controller (empty: it serves its own clock).",
                item="hostname_or_ip",
            ),
            "allow": Key(
                "list",
                [],
                "Networks allowed to query the controller (empty: the management network).",
                item="cidr",
            ),
        },
    ),
    "locale": Section(
        "Shell environment written to /etc/profile.d on every node.",
        {
            "lang": Key("locale", "en_US.UTF-8", "LANG for login shells (generated if missing)."),
            "lc_all": Key("locale", "en_US.UTF-8",
                          "LC_ALL for login shells (empty: left unset).", optional=True),
            "prompt": Key("prompt", "[\\u@\\h \\W]\\$ ",
                          "PS1 prompt for login shells (text and bash escapes like \\u \\h "
                          "\\w \\$; no $(...) or backquotes)."),
            "aliases": Key("map", {"vi": "vim"},
                           "Shell aliases (name: command); names are letters, digits, "
                           "'_', '.', '-'.", item="alias_command", names="alias_name"),
        },
    ),
    "nova": Section(
        "Compute.",
        {
            "virt_type": Key(
                "enum", "kvm", "Hypervisor: kvm (hardware) or qemu (emulation, labs).",
                choices=("kvm", "qemu"),
            ),
        },
    ),
    "tuning": Section(
        "Sizing of the OpenStack services.",
        {
            "workers": Key(
                "int", 2,
                "Worker processes of each API and RPC service (uWSGI processes, *_workers); "
                "sized for small nodes, not one per CPU.",
            ),
        },
    ),
    "cinder": Section(
        "Block storage on the storage node.",
        {
            "backend": Key(
                "enum",
                "loop",
                "LVM on an existing block device (device), LVM on a loop-backed file (loop, "
                "labs), or Ceph RBD (ceph: see the ceph section).",
                choices=("device", "loop", "ceph"),
            ),
            "device": Key(
                "device", "", "Block device for backend: device, e.g. /dev/sdb.", optional=True
            ),
            "loop_size_gb": Key("int", 10, "Size of the loop-backed file for backend: loop."),
        },
    ),
    "ceph": Section(
        "Ceph, when cinder.backend is ceph: volumes live in RBD images, attached by qemu "
        "through librbd.",
        {
            "mode": Key(
                "enum", "deployed",
                "deployed: stackinstall installs Ceph (monitor and manager on the first "
                "storage node, OSDs on every storage node); external: an existing cluster "
                "(ceph.monitors, ceph.fsid, and its client keys in the secrets file).",
                choices=("deployed", "external"),
            ),
            "osd_devices": Key(
                "list", [],
                "Block devices given to OSDs on every storage node, e.g. [/dev/sdc] "
                "(empty: one OSD on a file of osd_file_size_gb, for labs).",
                item="device",
            ),
            "osd_file_size_gb": Key(
                "int", 10, "Size of the file-backed OSD when osd_devices is empty."),
            "monitors": Key(
                "list", [], "Monitor addresses of the external cluster (mode: external).",
                item="hostname_or_ip",
            ),
            "fsid": Key(
                "uuid", "", "fsid of the external cluster (mode: external; deployed "
                "clusters take ceph_fsid from the secrets file).", optional=True,
            ),
        },
    ),
    "tls": Section(
        "TLS on every endpoint: HAProxy on the controller terminates it for every API and the "
        "dashboard (docs/tls.md).",
        {
            "mode": Key(
                "enum", "self-signed",
                "self-signed: stackinstall makes a CA (its key stays in the deployment "
                "directory) and a server certificate; provided: tls.certificate, tls.key and "
                "tls.chain; off: plain HTTP everywhere (not for a network you do not control).",
                choices=("self-signed", "provided", "off"),
            ),
            "public_name": Key(
                "hostname", "",
                "Name of the public endpoints and the dashboard, in the certificate (empty: "
                "tls.public_address).", optional=True,
            ),
            "public_address": Key(
                "ip", "",
                "Controller address the public endpoints listen on (empty: its management "
                "address).", optional=True,
            ),
            "internal": Key(
                "bool", True,
                "TLS on the internal endpoints too (false needs a tls.public_address other "
                "than the controller's management address).",
            ),
            "certificate": Key(
                "file_path", "",
                "tls.mode provided: PEM server certificate, relative to this file; it must "
                "name tls.public_name (or the address).", optional=True,
            ),
            "key": Key(
                "file_path", "",
                "tls.mode provided: PEM private key of that certificate (unencrypted).",
                optional=True,
            ),
            "chain": Key(
                "file_path", "",
                "tls.mode provided: PEM certificates of the CA that issued it (intermediates, "
                "then the root); every node and client trusts them.", optional=True,
            ),
        },
    ),
    "repos": Section(
        "Package repositories (like packstack's CONFIG_REPO).",
        {
            "mirror": Key(
                "url", "", "Base URL of a local distro mirror (empty: distro default).",
                optional=True,
            ),
            "proxy": Key(
                "url", "", "HTTP proxy for the package manager (empty: none).", optional=True
            ),
            "upgrade": Key(
                "enum", "first",
                "Full package upgrade (apt dist-upgrade, dnf upgrade) in the bootstrap phase: "
                "first (only on a node's first install, recorded in "
                "/var/lib/stackinstall/first-install on the node), always (every deploy), "
                "never; `deploy --upgrade` upgrades once whatever this says.",
                choices=("first", "always", "never"),
            ),
        },
    ),
}

#: Top-level keys that are not sections.
TOP_LEVEL_DOCS: dict[str, str] = {
    "nodes": "The nodes of the cloud: name, management address and topology roles.",
    "services": "OpenStack services to install (infrastructure is always installed).",
    "overrides": "Per-service config overrides: service -> file -> INI section -> key -> value "
                 "(a list is written comma-separated, null leaves the key out); for horizon: "
                 "Django setting (upper case) -> value.",
}

TOP_LEVEL_KEYS: tuple[str, ...] = ("deployment", "ssh", "network", "nodes", "ntp", "locale",
                                   "services", "tuning", "nova", "cinder", "ceph", "tls", "repos",
                                   "overrides")

DEFAULT_FOUR_NODES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("openstack1", "10.0.0.11", ("controller",)),
    ("openstack2", "10.0.0.12", ("network",)),
    ("openstack3", "10.0.0.13", ("compute",)),
    ("openstack4", "10.0.0.14", ("storage",)),
)
DEFAULT_ALLINONE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("openstack1", "10.0.0.11", TOPOLOGY_ROLES),
)


def defaults() -> dict[str, Any]:
    """A fresh nested dict of every default value (without nodes)."""
    data: dict[str, Any] = {
        name: {key: _copy(spec.default) for key, spec in section.keys.items()}
        for name, section in SCHEMA.items()
    }
    data["services"] = list(SERVICES)
    data["overrides"] = {}
    return data


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


#: The services each service cannot run without (catalogue.yml: depends); ``answers
#: validate`` refuses a services list that lacks one.
SERVICE_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    name: _CATALOGUE.services[name].depends for name in SERVICES
}

"""First contact with the nodes: record each node's SSH host key before Ansible logs in.

The rendered SSH arguments ask for ``StrictHostKeyChecking=accept-new`` with the deployment's
own ``known_hosts``. Mitogen puts ``StrictHostKeyChecking yes`` in front of them, and ssh keeps
the first value it is given, so a node whose key is not recorded yet would be refused. This
does what accept-new would have done, once, before the first phase: a node with no key in
``known_hosts`` gets the key it presents now. A node that already has one is left alone, so a
changed key still stops the run (ssh refuses it and the run says so).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import paramiko
import yaml

from installer.paths import DeployPaths

#: Seconds to wait for a node's SSH banner; an unreachable node is left to Ansible to report.
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SshNode:
    name: str
    address: str
    port: int

    @property
    def known_hosts_name(self) -> str:
        """The host field OpenSSH writes for this address and port."""
        return self.address if self.port == 22 else f"[{self.address}]:{self.port}"


def ssh_nodes(paths: DeployPaths) -> list[SshNode]:
    """The inventory's nodes that Ansible reaches over SSH (not ``ansible_connection: local``)."""
    nodes = []
    for path in sorted(paths.host_vars_dir.glob("*.yml")):
        hostvars = yaml.safe_load(path.read_text()) or {}
        if hostvars.get("ansible_connection", "ssh") not in ("ssh", "paramiko"):
            continue
        address = hostvars.get("ansible_host")
        if address:
            nodes.append(SshNode(path.stem, str(address), int(hostvars.get("ansible_port", 22))))
    return nodes


def _server_key(node: SshNode) -> paramiko.PKey | None:
    transport = None
    try:
        transport = paramiko.Transport((node.address, node.port))
        transport.banner_timeout = TIMEOUT_S
        transport.start_client(timeout=TIMEOUT_S)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, OSError, EOFError):
        return None
    finally:
        if transport is not None:
            with contextlib.suppress(Exception):
                transport.close()


def record_new_host_keys(known_hosts: Path, nodes: Iterable[SshNode]) -> list[str]:
    """Append the key of every node ``known_hosts`` has no key for; return their names."""
    known = paramiko.HostKeys()
    if known_hosts.is_file():
        with contextlib.suppress(OSError, paramiko.SSHException):
            known.load(str(known_hosts))
    new = [n for n in nodes if known.lookup(n.known_hosts_name) is None]
    if not new:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(new))) as pool:
        keys = list(pool.map(_server_key, new))
    lines = [f"{node.known_hosts_name} {key.get_name()} {key.get_base64()}\n"
             for node, key in zip(new, keys, strict=True) if key is not None]
    if lines:
        known_hosts.parent.mkdir(parents=True, exist_ok=True)
        with known_hosts.open("a") as out:
            out.writelines(lines)
    return [node.name for node, key in zip(new, keys, strict=True) if key is not None]

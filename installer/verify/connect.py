"""testinfra hosts built from the rendered inventory's SSH settings (the ssh backend)."""

from __future__ import annotations

import contextlib
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import testinfra

from installer.verify.inventory import Connection

#: testinfra formats its command with ``%``; a socket path must not contain one.
_SOCKET_DIR_PREFIX = "si-verify-"


def hostspec(conn: Connection) -> str:
    return f"ssh://{conn.user}@{conn.address}:{conn.port}"


def make_host(conn: Connection, control_path: Path) -> Any:
    """A testinfra host that reaches the node with the same options Ansible uses.

    ``ansible_ssh_common_args`` (the deployment's known_hosts, accept-new, keep-alives)
    is passed through; one multiplexed SSH connection per node keeps checks fast. A local
    node is this machine: testinfra's local backend (with sudo when not root).
    """
    if conn.local:
        return testinfra.get_host("local://", sudo=conn.become)
    kwargs: dict[str, Any] = {
        "ssh_extra_args": conn.ssh_common_args or None,
        "controlpath": str(control_path),
        "timeout": 10,
    }
    if conn.private_key:
        kwargs["ssh_identity_file"] = conn.private_key
    if conn.become and conn.user != "root":
        kwargs["sudo"] = True
    return testinfra.get_host(hostspec(conn), **kwargs)


@contextlib.contextmanager
def control_dir() -> Iterator[Path]:
    """A private directory for SSH control sockets; masters are closed on exit."""
    with tempfile.TemporaryDirectory(prefix=_SOCKET_DIR_PREFIX, dir="/tmp") as path:
        directory = Path(path)
        try:
            yield directory
        finally:
            for socket in directory.iterdir():
                subprocess.run(
                    ["ssh", "-O", "exit", "-o", f"ControlPath={socket}", "unused"],
                    capture_output=True,
                    check=False,
                    timeout=10,
                )


def copy_to(conn: Connection, local: Path, remote: str, timeout: int = 600) -> None:
    """Copy ``local`` to ``remote`` on the node with scp and the inventory's SSH options
    (a plain copy for a local node)."""
    if conn.local:
        shutil.copyfile(local, remote)
        return
    argv = ["scp", "-q", "-P", str(conn.port), *shlex.split(conn.ssh_common_args or "")]
    if conn.private_key:
        argv += ["-i", conn.private_key]
    argv += [str(local), f"{conn.user}@{conn.address}:{remote}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scp {local.name} to {conn.address} failed: "
                           f"{done.stderr.strip()[-300:]}")


def copy_from(conn: Connection, remote: str, local: Path, timeout: int = 600) -> None:
    """Copy ``remote`` from the node to ``local`` with scp and the inventory's SSH options
    (a plain copy for a local node)."""
    if conn.local:
        shutil.copyfile(remote, local)
        return
    argv = ["scp", "-q", "-P", str(conn.port), *shlex.split(conn.ssh_common_args or "")]
    if conn.private_key:
        argv += ["-i", conn.private_key]
    argv += [f"{conn.user}@{conn.address}:{remote}", str(local)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scp {remote} from {conn.address} failed: "
                           f"{done.stderr.strip()[-300:]}")

"""SSH to lab nodes: the lab's own key pair and known_hosts, root login, no password prompts."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from installer.testbed.lab.aptproxy import port_open
from installer.testbed.lab.system import run


def ensure_keypair(private_key: Path) -> str:
    """Create the lab's ed25519 key once; return the public key line."""
    if not private_key.exists():
        private_key.parent.mkdir(parents=True, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "stackinstall-lab",
             "-f", str(private_key)])
    return Path(str(private_key) + ".pub").read_text().strip()


def known_hosts_lines(entries: Sequence[tuple[str, str, Sequence[str]]]) -> str:
    """known_hosts text for ``(name, address, host public keys)`` entries."""
    lines = [f"{name},{address} {key}" for name, address, keys in entries for key in keys]
    return "\n".join(lines) + ("\n" if lines else "")


def ssh_argv(
    address: str,
    private_key: Path,
    known_hosts: Path,
    command: Sequence[str] = (),
    *,
    connect_timeout: int = 5,
    tty: bool = False,
) -> list[str]:
    argv = [
        "ssh",
        "-i", str(private_key),
        "-o", "IdentitiesOnly=yes",
        "-o", "BatchMode=yes",
        "-o", f"UserKnownHostsFile={known_hosts}",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes",
        "-o", f"ConnectTimeout={connect_timeout}",
        "-o", "LogLevel=ERROR",
        "-t" if tty else "-T",
        "-l", "root",
        address,
    ]
    if command:
        argv += ["--", shlex.join(command) if len(command) > 1 else command[0]]
    return argv


def wait_for_ssh(
    address: str, private_key: Path, known_hosts: Path, deadline: float
) -> str | None:
    """Poll until sshd accepts our key; None on success, else the last error seen."""
    last = "sshd never listened on port 22"
    while time.monotonic() < deadline:
        if port_open(address, 22):
            try:
                proc = subprocess.run(
                    ssh_argv(address, private_key, known_hosts, ["true"], connect_timeout=3),
                    capture_output=True, text=True, timeout=15, check=False,
                )
            except subprocess.TimeoutExpired:
                last = "ssh timed out"
                continue
            if proc.returncode == 0:
                return None
            last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        time.sleep(0.5)
    return last


def run_on(
    address: str, private_key: Path, known_hosts: Path, command: Sequence[str],
    timeout: float = 60,
) -> str:
    """Run ``command`` on a node; return its stdout (empty on failure or timeout)."""
    try:
        proc = subprocess.run(
            ssh_argv(address, private_key, known_hosts, command),
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        return ""
    return proc.stdout

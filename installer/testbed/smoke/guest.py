"""Reaching a smoke guest: its console line, and SSH through its router's namespace.

The built guest image (``installer/testbed/image``) prints one line on its console when it is up::

    stackinstall-guest booted: hostname=<h> address=<ip> metadata=<source>

and serves SSH for root with the key it read from the metadata service or the config
drive. The smoke reaches a guest by its floating IP from inside the router's namespace on
the network node that hosts the router: traffic stays on the cloud's own networks and the
lab's bridges, never anything outside. An operator's image is logged into as its own user
(``--image-user``), whose commands that need root run under sudo.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

BOOTED = re.compile(
    r"stackinstall-guest booted: hostname=(?P<hostname>\S+) address=(?P<address>\S+) "
    r"metadata=(?P<metadata>\S+)"
)
SSH_OPTIONS = (
    "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes "
    "-o ConnectTimeout=10 -o LogLevel=ERROR -o ServerAliveInterval=5"
)


@dataclass(frozen=True)
class Booted:
    """What the guest said on its console when it was up."""

    hostname: str
    address: str
    metadata: str


def booted_line(console: str) -> Booted | None:
    """The last 'booted' line of a console log, or None."""
    found = list(BOOTED.finditer(console or ""))
    if not found:
        return None
    m = found[-1]
    return Booted(m["hostname"], m["address"], m["metadata"])


def as_root(user: str, command: str) -> str:
    """``command`` run as root: directly for root, else through sudo."""
    if user == "root":
        return command
    return f"sudo sh -c {shlex.quote(command)}"


@dataclass
class GuestShell:
    """SSH into a guest as ``user`` from the router namespace on the network node ``host``."""

    host: Any  # testinfra host of the network node
    router_id: str
    key_path: str
    user: str = "root"
    timeout: int = 60

    def command(self, address: str, remote: str) -> str:
        ssh = (f"ssh -i {shlex.quote(self.key_path)} {SSH_OPTIONS} "
               f"{shlex.quote(self.user + '@' + address)} {shlex.quote(remote)}")
        # ssh's own failures exit 255, which testinfra takes for a failure of its own SSH
        # connection to the node (and raises): hand them back as 254
        return (f"timeout {self.timeout} ip netns exec "
                f"{shlex.quote('qrouter-' + self.router_id)} {ssh}; "
                "rc=$?; [ $rc -ne 255 ] || rc=254; exit $rc")

    def run(self, address: str, remote: str) -> Any:
        return self.host.run(self.command(address, remote))


def make_key(host: Any, directory: str) -> str:
    """A fresh ed25519 key pair in ``directory`` on ``host``; returns the public key."""
    made = host.run(
        f"rm -rf {shlex.quote(directory)} && mkdir -m 700 {shlex.quote(directory)} && "
        f"ssh-keygen -q -t ed25519 -N '' -C stackinstall-smoke -f {shlex.quote(directory)}/id "
        f"&& cat {shlex.quote(directory)}/id.pub"
    )
    if made.rc != 0 or not made.stdout.strip().startswith("ssh-ed25519 "):
        raise RuntimeError(f"ssh-keygen failed: {(made.stderr or made.stdout).strip()[-200:]}")
    return str(made.stdout.strip())

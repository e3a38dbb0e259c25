"""Collect one node's facts over one SSH session (three commands: access, probe, clock)."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from pathlib import Path

from installer.answers.model import Deployment, Node
from installer.preflight.devices import devices_to_check
from installer.preflight.facts import Access, ClockSample, NodeProbe
from installer.preflight.here import LocalSession
from installer.preflight.ports import units_of
from installer.preflight.probe import parse, script
from installer.preflight.ssh import LoginFailed, Session, Target

_ACCESS = ('u=$(id -u); echo "uid $u"; '
           'if [ "$u" != 0 ]; then o=$(sudo -n true 2>&1); echo "sudo $? $o"; fi')


def key_file(deployment: Deployment) -> Path:
    return Path(deployment.ssh.private_key).expanduser()


def parse_access(output: str) -> Access:
    uid: int | None = None
    sudo_rc: int | None = None
    sudo_output = ""
    for line in output.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "uid" and rest.strip().isdigit():
            uid = int(rest)
        elif tag == "sudo":
            rc, _, sudo_output = rest.partition(" ")
            sudo_rc = int(rc) if rc.isdigit() else 1
    return Access(uid, sudo_rc, sudo_output.strip())


def privileged(command: str, deployment: Deployment, access: Access, *,
               local: bool = False) -> str:
    """``command`` under ``sudo -n`` when the login (or, ``local``, the user running
    stackinstall) is not root and may become it."""
    wrapped = f"sh -c {shlex.quote(command)}"
    if access.uid != 0 and (deployment.ssh.become or local) and access.sudo_rc == 0:
        return f"sudo -n {wrapped}"
    return wrapped


def collect(
    deployment: Deployment,
    node: Node,
    known_hosts: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> NodeProbe:
    if node.local:
        return _probe(LocalSession(), deployment, node, clock)
    key = key_file(deployment)
    if not key.is_file():
        return NodeProbe(node.name, login_error=f"key file {key} does not exist",
                         key_unusable=True)
    target = Target(node.address, deployment.ssh.port, deployment.ssh.user, key, known_hosts)
    try:
        with Session(target) as session:
            return _probe(session, deployment, node, clock)
    except LoginFailed as exc:
        return NodeProbe(node.name, login_error=str(exc), key_unusable=exc.key_unusable,
                         unreachable=exc.unreachable)


def _probe(session: Session | LocalSession, deployment: Deployment, node: Node,
           clock: Callable[[], float]) -> NodeProbe:
    """The three commands (access, probe, clock) in an open session."""
    with session:
        access = parse_access(session.run(_ACCESS).stdout)
        probe = script(units_of(deployment, node), devices_to_check(deployment, node))
        facts = parse(session.run(privileged(probe, deployment, access,
                                             local=node.local)).stdout)
        before = clock()
        remote = session.run("date +%s.%N").stdout.strip()
        after = clock()
        return NodeProbe(node.name, host_key=session.host_key, access=access,
                         facts=facts, clock=ClockSample(remote, before, after))

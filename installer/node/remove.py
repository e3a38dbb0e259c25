"""Remove a node from a running cloud, then from the answer file.

The cloud side is the ``remove-node`` playbook (roles/node_remove): guests refused unless
the operator deletes them, the node's compute service, network agents and volume services
deregistered, its units stopped. Then the node leaves the answer file (the previous file is
kept beside it) and the bootstrap phase rewrites every other node's /etc/hosts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from installer.answers import Deployment
from installer.deploy.deploy import run_phases
from installer.deploy.options import RunOptions
from installer.deploy.prepare import load_and_render
from installer.errors import UsageError
from installer.node.answerfile import without_node

PLAYBOOK = "remove-node"


@dataclass(frozen=True)
class Removal:
    node: str
    backup: Path


def refuse_unsafe(dep: Deployment, name: str) -> None:
    """The controller stays, and so does the last node of a role an enabled service needs."""
    node = next((n for n in dep.nodes if n.name == name), None)
    if node is None:
        raise UsageError(f"{dep.path} has no node named {name!r}",
                         hint=f"name one of: {', '.join(n.name for n in dep.nodes)}")
    if "controller" in node.roles:
        raise UsageError(f"{name} is the controller; it cannot be removed",
                         hint="`stackinstall destroy` takes a whole deployment down")
    needs = {"compute": "nova", "network": "neutron", "storage": "cinder"}
    for role in node.roles:
        others = [n for n in dep.nodes_with(role) if n.name != name]
        if role in needs and needs[role] in dep.services and not others:
            raise UsageError(f"{name} is the only {role} node, which {needs[role]} needs",
                             hint=f"add another {role} node first, then remove {name}")


def remove(answers: Path, name: str, *, secrets: Path | None = None,
           out_dir: Path | None = None, delete_guests: bool = False,
           console: Console | None = None) -> Removal:
    dep, rendered = load_and_render(answers, secrets, out_dir)
    refuse_unsafe(dep, name)
    extra = ("-e", f"node_remove_name={name}",
             "-e", f"node_remove_delete_guests={str(delete_guests).lower()}")
    options = RunOptions(limit=f"{dep.controller.name},{name}", extra_cmdline=extra)
    run_phases(rendered.out_dir, [PLAYBOOK], options, console)
    text = answers.read_text(encoding="utf-8")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = answers.with_name(f"{answers.name}.{stamp}.bak")
    backup.write_text(text, encoding="utf-8")
    os.chmod(backup, answers.stat().st_mode & 0o777)
    tmp = answers.with_name(f".{answers.name}.tmp")
    tmp.write_text(without_node(text, name), encoding="utf-8")
    os.replace(tmp, answers)
    _, rendered = load_and_render(answers, secrets, out_dir)
    run_phases(rendered.out_dir, ["bootstrap"], RunOptions(), console)
    return Removal(name, backup)

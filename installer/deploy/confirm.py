"""Deploying onto this machine (a node with ``connection: local``) needs the operator's yes.

On a terminal deploy shows what it will change and asks; without one it refuses unless
``--yes`` was given. A check run (``--check``) changes nothing and is never asked about.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from installer import console
from installer.answers.model import Deployment
from installer.errors import UsageError
from installer.preflight.checks.local import changes


def _ask(question: str) -> bool:
    return click.confirm(question, default=False, err=True)


def confirm_local(deployment: Deployment, *, yes: bool, check: bool = False,
                  interactive: bool | None = None,
                  ask: Callable[[str], bool] = _ask) -> None:
    """Return when the deploy may go on; raise UsageError when it may not."""
    node = deployment.local_node
    if node is None or check:
        return
    lines = changes(deployment, node)
    console.err.print(f"{node.name} is this machine (connection: local); the deploy:",
                      markup=False, highlight=False)
    for concern, line in lines.items():
        console.err.print(f"  - {concern}: {line}", markup=False, highlight=False)
    if yes:
        console.err.print("--yes given: deploying onto this machine", markup=False,
                          highlight=False)
        return
    rerun = f"stackinstall deploy {deployment.path} --yes"
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        raise UsageError(f"deploy would change this machine ({node.name}, connection: local) "
                         "and there is no terminal to ask; nothing was changed",
                         hint=f"to deploy onto this machine anyway run: {rerun}")
    if not ask(f"Deploy OpenStack onto this machine ({node.name})?"):
        raise UsageError("deploy onto this machine not confirmed; nothing was changed",
                         hint=f"answer y to the question, or run: {rerun}")

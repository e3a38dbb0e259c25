"""CLI: `stackinstall answers generate|validate`."""

from __future__ import annotations

from pathlib import Path

import click

from installer.answers import commands

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.group()
def answers() -> None:
    """Create and check answer files."""


@answers.command()
@click.option("-o", "--output", type=_FILE, default=Path("answers.yml"), show_default=True,
              help="Answer file to write (never overwritten).")
@click.option("--secrets", type=_FILE, help="Secrets file (default: <output>.secrets.yml).")
@click.option("--allinone", is_flag=True, help="One node with every role.")
@click.option("--node", "nodes", multiple=True, metavar="NAME=ADDRESS:ROLE[,ROLE]",
              help="A node of the topology (repeat); replaces the default nodes.")
@click.option("--local", is_flag=True,
              help="One node with every role: this machine (hostname, address of the default "
                   "route's interface), deployed without SSH (connection: local).")
@click.option("--address", metavar="ADDRESS",
              help="With --local: this machine's management address, when it has several.")
@click.option("--secrets-only", is_flag=True,
              help="Leave the existing answer file as it is; only add the secrets missing "
                   "from its secrets file.")
def generate(output: Path, secrets: Path | None, allinone: bool, nodes: tuple[str, ...],
             local: bool, address: str | None, secrets_only: bool) -> None:
    """Write a commented answer file and a secrets file (0600) with strong passwords.

    An existing answer file is never overwritten (exit 4); --secrets-only completes its
    secrets file instead.
    """
    if secrets_only:
        commands.complete_secrets(output, secrets, allinone or local, nodes)
    else:
        commands.generate(output, secrets, allinone, nodes, local, address)


@answers.command("validate")
@click.argument("file", type=_FILE)
@click.option("--secrets", type=_FILE, help="Secrets file (default: as the answer file says).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON (problems: file, line, key, message, fix).")
def validate_cmd(file: Path, secrets: Path | None, as_json: bool) -> None:
    """Report every problem in FILE (and its secrets) with line, key and fix."""
    commands.validate(file, secrets, as_json)


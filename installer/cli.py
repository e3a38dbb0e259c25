"""The `stackinstall` command line: parses options and calls one function per command.

Each sub-package that owns a command group exposes it as a click object in its own
``cli`` module (``installer.testbed.lab.cli``, ``installer.deploy.cli`` ...); this module only
assembles them and turns :class:`~installer.errors.StackInstallError` into clean exits.
"""

from __future__ import annotations

import sys

import click

from installer import __version__, console
from installer.errors import StackInstallError


class _Group(click.Group):
    """A click group that renders our errors as messages and exit codes."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except StackInstallError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            console.error(exc.message, exc.hint)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stackinstall")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Install OpenStack from one answer file, on real nodes or on a local lab."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register() -> None:
    from installer.answers.cli import answers
    from installer.deploy.cli import deploy
    from installer.destroy.cli import destroy_command
    from installer.node.cli import node
    from installer.preflight.cli import preflight
    from installer.render.cli import render
    from installer.status.cli import status
    from installer.testbed.image.cli import image
    from installer.testbed.lab.cli import lab
    from installer.verify.cli import verify

    for command in (answers, render, lab, preflight, deploy, status, verify):
        main.add_command(command)
    main.add_command(image)
    main.add_command(node)
    main.add_command(destroy_command)


_register()

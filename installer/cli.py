"""The `stackinstall` command line: parses options and calls one function per command.

Each sub-package that owns a command group exposes it as a click object in its own
``cli`` module (``installer.deploy.cli``, ``installer.testbed.lab.cli`` ...); this module only
assembles them (the test bed's only when used, through :func:`installer.extras.testbed`) and
turns :class:`~installer.errors.StackInstallError` into clean exits.
"""

from __future__ import annotations

import sys

import click

from installer import __version__, console
from installer.errors import StackInstallError
from installer.extras import testbed

#: The test bed's commands (``installer/testbed``), imported only when one is used.
_TESTBED_COMMANDS = {"image": "image.cli", "lab": "lab.cli"}


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

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_TESTBED_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _TESTBED_COMMANDS and cmd_name not in self.commands:
            try:
                command = getattr(testbed(_TESTBED_COMMANDS[cmd_name]), cmd_name)
            except StackInstallError as exc:
                return _unavailable(cmd_name, exc)
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


def _unavailable(name: str, error: StackInstallError) -> click.Command:
    """A stand-in for a test bed command whose dependencies are missing: it fails cleanly."""

    def fail() -> None:
        raise error

    return click.Command(name, callback=fail, help=f"Not installed: {error.hint}.",
                         context_settings={"ignore_unknown_options": True,
                                           "allow_extra_args": True})


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
    from installer.backup.cli import backup_command, restore_command
    from installer.deploy.cli import deploy
    from installer.destroy.cli import destroy_command
    from installer.node.cli import node
    from installer.preflight.cli import preflight
    from installer.render.cli import render
    from installer.status.cli import status
    from installer.verify.cli import verify

    for command in (answers, render, preflight, deploy, status, verify):
        main.add_command(command)
    main.add_command(node)
    main.add_command(destroy_command)
    main.add_command(backup_command)
    main.add_command(restore_command)


_register()

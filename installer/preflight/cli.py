"""CLI: ``stackinstall preflight``."""

from __future__ import annotations

from pathlib import Path

import click

from installer.preflight.command import run_command


@click.command()
@click.argument("answers", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print every result as JSON.")
@click.option("--all", "show_all", is_flag=True,
              help="Show passed checks in the table too (default: problems and warnings).")
def preflight(answers: Path, as_json: bool, show_all: bool) -> None:
    """Check every node of ANSWERS over SSH before a deploy (exit 6 on any problem)."""
    run_command(answers, as_json=as_json, show_all=show_all)

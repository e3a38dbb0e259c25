"""CLI: ``stackinstall render``."""

from __future__ import annotations

from pathlib import Path

import click

from installer.render.command import run_render

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.command()
@click.argument("file", type=_FILE)
@click.option("--secrets", type=_FILE, help="Secrets file (default: as the answer file says).")
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              help="Deployment directory (default: deployments/<name> beside FILE).")
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
def render(file: Path, secrets: Path | None, output: Path | None, as_json: bool) -> None:
    """Write the Ansible inventory and variables for FILE into the deployment directory."""
    run_render(file, secrets, output, as_json)

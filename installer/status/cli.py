"""CLI: ``stackinstall status``."""

from __future__ import annotations

from pathlib import Path

import click

from installer import console
from installer.jsonout import dumps
from installer.status.collect import read_status
from installer.status.view import print_status


@click.command()
@click.argument("answers", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Deployment directory (default: deployments/<name> beside ANSWERS).")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(answers: Path, out_dir: Path | None, as_json: bool) -> None:
    """Nodes (and whether each answers on its SSH port), services per node, the last run."""
    result = read_status(answers, out_dir)
    if as_json:
        click.echo(dumps(result.as_dict()))
    else:
        print_status(console.out, result)

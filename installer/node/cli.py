"""``stackinstall node``: day-2 changes to the nodes of a running cloud."""

from __future__ import annotations

from pathlib import Path

import click

from installer.console import out
from installer.node.remove import remove


@click.group(help="Day 2: change the nodes of a running cloud. To add a node, append it to "
                  "the answer file and run `stackinstall deploy FILE`.")
def node() -> None:
    pass


@node.command("remove", help="Take NAME out of the cloud (its compute service, network "
                             "agents and volume services deregistered, its units stopped), "
                             "then out of ANSWERS (the previous file is kept beside it).")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("name")
@click.option("--delete-guests", is_flag=True,
              help="Delete the guests still on the node instead of refusing.")
@click.option("--secrets", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Secrets file [default: the answer file's].")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Deployment directory [default: the answer file's].")
def remove_command(answers: Path, name: str, delete_guests: bool, secrets: Path | None,
                   out_dir: Path | None) -> None:
    done = remove(answers, name, secrets=secrets, out_dir=out_dir, delete_guests=delete_guests)
    out.print(f"removed {done.node} from the cloud and from {answers} "
              f"(the previous file: {done.backup})")

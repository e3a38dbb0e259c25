"""``stackinstall destroy FILE --confirm NAME``."""

from __future__ import annotations

from pathlib import Path

import click

from installer.console import out
from installer.destroy.destroy import destroy


@click.command("destroy", help="Remove the deployment of ANSWERS from every node: services "
                               "stopped and purged, databases, queues, Ceph, data, "
                               "configuration and logs, and the generated files here. The "
                               "answer and secrets files stay; `deploy` works again after.")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--confirm", metavar="NAME", default="",
              help="The deployment's name (deployment.name): nothing happens without it.")
@click.option("--secrets", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Secrets file [default: the answer file's].")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Deployment directory [default: the answer file's].")
def destroy_command(answers: Path, confirm: str, secrets: Path | None,
                    out_dir: Path | None) -> None:
    paths = destroy(answers, confirm, secrets=secrets, out_dir=out_dir)
    out.print(f"destroyed: nothing of the deployment is left on its nodes; {answers} and its "
              f"secrets file are untouched; the logs stay in {paths.runs}")

"""``stackinstall backup FILE`` and ``stackinstall restore FILE BACKUP --confirm NAME``."""

from __future__ import annotations

from pathlib import Path

import click

from installer import console
from installer.backup.backup import backup
from installer.backup.restore import restore
from installer.jsonout import json_stdout

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_SECRETS = click.option("--secrets", type=click.Path(dir_okay=False, path_type=Path),
                        default=None, help="Secrets file [default: the answer file's].")
_OUT = click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
                    default=None, help="Deployment directory [default: the answer file's].")


@click.command("backup", help="Copy the control plane's state into the deployment directory "
                              "(backups/<UTC time>/): every OpenStack database (hot, one "
                              "transaction), keystone's keys, each node's configuration, the "
                              "secrets file, Ceph's keys and monmap; a manifest with checksums.")
@click.argument("answers", type=_FILE)
@click.option("--keep", type=int, default=None, metavar="N",
              help="Afterwards remove all but the newest N backups.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the manifest as JSON on stdout; the progress goes to stderr.")
@_SECRETS
@_OUT
def backup_command(answers: Path, keep: int | None, as_json: bool, secrets: Path | None,
                   out_dir: Path | None) -> None:
    with json_stdout(as_json) as emit:
        result = backup(answers, secrets=secrets, out_dir=out_dir, keep=keep)
        size = sum(p.size for p in result.manifest.parts)
        console.success(f"backup {result.directory} ({len(result.manifest.parts)} parts, "
                        f"{size / 1e6:.1f} MB, {result.manifest.duration_s:.0f} s)")
        for path in result.pruned:
            console.out.print(f"removed the older backup {path}", markup=False)
        if as_json:
            emit({"directory": str(result.directory), **result.manifest.as_dict(),
                  "pruned": [str(p) for p in result.pruned]})


@click.command("restore", help="Put BACKUP (a directory under backups/, or its name) back onto "
                               "the deployed cloud of ANSWERS: databases, keystone's keys, "
                               "configuration, then the services restarted in order. Refuses a "
                               "backup of another release or deployment, or an altered one.")
@click.argument("answers", type=_FILE)
@click.argument("backup_name", metavar="BACKUP")
@click.option("--confirm", metavar="NAME", default="",
              help="The deployment's name (deployment.name): nothing happens without it.")
@_SECRETS
@_OUT
def restore_command(answers: Path, backup_name: str, confirm: str, secrets: Path | None,
                    out_dir: Path | None) -> None:
    manifest = restore(answers, backup_name, confirm, secrets=secrets, out_dir=out_dir)
    console.success(f"restored backup {manifest.name} (taken {manifest.created}); "
                    "run `stackinstall verify` to check the cloud")

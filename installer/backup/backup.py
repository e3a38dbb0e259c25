"""Make a backup: the ``backup`` playbook fetches every node's parts, then the manifest.

The playbook (roles/backup) dumps the databases in one transaction while every service runs,
archives keystone's keys, each node's configuration and Ceph's keys and monmap, and fetches
them into ``backups/<UTC time>/<node>/``. Here the secrets file joins them, every file gets
mode 0600, and the manifest records each part's SHA-256, the release and the deployment.
A backup that fails half-way is removed: a directory with a manifest is always whole.
"""

from __future__ import annotations

import json
import shlex
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from installer.answers import Deployment
from installer.backup.manifest import SECRETS_NAME, Manifest, Part, collect_parts, identity
from installer.backup.store import lock_down, new_backup_dir, prune
from installer.deploy.deploy import run_phases
from installer.deploy.options import RunOptions
from installer.deploy.prepare import load_and_render
from installer.errors import UsageError
from installer.paths import DeployPaths

PLAYBOOK = "backup"


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    manifest: Manifest
    pruned: tuple[Path, ...]


def backup_options(directory: Path) -> RunOptions:
    """How the playbook learns where the parts go (no secret on the command line)."""
    return RunOptions(extra_cmdline=("-e", shlex.quote(f"backup_dir={directory}")))


def deployment_identity(dep: Deployment) -> str:
    return identity(dep.name, ((n.name, n.address) for n in dep.nodes))


def databases_of(parts: list[Part], directory: Path) -> tuple[str, ...]:
    """The database names the playbook recorded beside the dump."""
    lists = [directory / p.path for p in parts if p.kind == "database-list"]
    return tuple(sorted({str(db) for path in lists
                         for db in json.loads(path.read_text(encoding="utf-8"))}))


def make_manifest(dep: Deployment, directory: Path, started: datetime,
                  duration_s: float) -> Manifest:
    """Copy the secrets file in, lock the files down and write the manifest."""
    shutil.copyfile(dep.secrets_path, directory / SECRETS_NAME)
    lock_down(directory)
    parts = collect_parts(directory)
    manifest = Manifest(
        name=directory.name, created=started.isoformat(), deployment=dep.name,
        release=dep.release, identity=deployment_identity(dep),
        nodes=tuple(n.name for n in dep.nodes), databases=databases_of(parts, directory),
        parts=tuple(parts), duration_s=round(duration_s, 1))
    manifest.write(directory)
    return manifest


def backup(answers: Path, *, secrets: Path | None = None, out_dir: Path | None = None,
           keep: int | None = None, console: Console | None = None) -> BackupResult:
    if keep is not None and keep < 1:
        raise UsageError(f"--keep {keep} would remove every backup",
                         hint="keep at least 1 (the one being made)")
    dep, rendered = load_and_render(answers, secrets, out_dir)
    paths = DeployPaths(rendered.out_dir)
    started = datetime.now(UTC)
    clock = time.monotonic()
    directory = new_backup_dir(paths.backups, started)
    try:
        run_phases(rendered.out_dir, [PLAYBOOK], backup_options(directory), console)
        manifest = make_manifest(dep, directory, started, time.monotonic() - clock)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    pruned = prune(paths.backups, keep) if keep else []
    return BackupResult(directory, manifest, tuple(pruned))

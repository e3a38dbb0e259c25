"""Put a backup back onto the deployed cloud it was taken from.

Refused, before anything changes: a directory that is no backup, a backup of another
release or deployment, one whose files differ from its manifest, and a secrets file that
changed since (the restored configuration holds the old passwords). Then it lists what it
would overwrite and needs ``--confirm NAME``, as ``destroy`` does. The ``restore`` playbook
stops the OpenStack units, imports the databases, puts back each node's configuration and
keystone's keys, and starts the units again, the controller's first.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from rich.console import Console

from installer import console as consoles
from installer.answers import Deployment
from installer.backup.backup import backup_options, deployment_identity
from installer.backup.manifest import SECRETS_NAME, Manifest, load, mismatches, sha256
from installer.backup.store import resolve
from installer.deploy.deploy import run_phases
from installer.deploy.prepare import load_and_render
from installer.errors import BackupError, UsageError
from installer.paths import DeployPaths

PLAYBOOK = "restore"


def refuse_mismatch(dep: Deployment, manifest: Manifest, directory: Path) -> None:
    """Raise BackupError unless the backup is whole and belongs to this deployment."""
    if manifest.release != dep.release:
        raise BackupError(
            f"{directory} is a backup of release {manifest.release}; {dep.path} deploys "
            f"{dep.release}",
            hint="restore a backup taken of this release (moving between releases is not "
                 "supported)")
    if manifest.deployment != dep.name or manifest.identity != deployment_identity(dep):
        raise BackupError(
            f"{directory} is a backup of deployment {manifest.deployment!r} on nodes "
            f"{', '.join(manifest.nodes)}; {dep.path} describes {dep.name!r} on "
            f"{', '.join(n.name for n in dep.nodes)}",
            hint="restore a backup of this deployment, with the answer file it was taken with")
    problems = mismatches(directory, manifest)
    if problems:
        raise BackupError(
            f"{directory} does not match its manifest: {'; '.join(problems)}",
            hint="the backup was altered or damaged; restore another one")
    kept = next((p for p in manifest.parts if p.kind == "secrets"), None)
    if kept is None or not dep.secrets_path.is_file() or sha256(dep.secrets_path) != kept.sha256:
        raise BackupError(
            f"the secrets file {dep.secrets_path} differs from the one in the backup; the "
            "restored configuration would hold other passwords than the cloud's accounts",
            hint=f"copy {directory / SECRETS_NAME} over it (then deploy once), or restore a "
                 "backup taken with the current secrets")


def _top_entries(archive: Path) -> list[str]:
    with tarfile.open(archive, "r:gz") as tar:
        return sorted({m.name.split("/", 1)[0] for m in tar.getmembers() if m.name})


def overwrites(manifest: Manifest, directory: Path) -> list[str]:
    """What the restore replaces, one line per node and part (names only, no content)."""
    lines: list[str] = []
    for part in manifest.parts:
        where = part.node or "here"
        if part.kind == "databases":
            lines.append(f"{where}: databases {', '.join(manifest.databases)} (every table)")
        elif part.kind == "config":
            entries = _top_entries(directory / part.path)
            lines.append(f"{where}: configuration under /etc: {', '.join(entries)}")
        elif part.kind == "keystone-keys":
            lines.append(f"{where}: keystone's fernet and credential keys")
    lines.append("every node: the OpenStack services stop, then start again (controller first)")
    return lines


def restore(answers: Path, backup: str | Path, confirm: str, *, secrets: Path | None = None,
            out_dir: Path | None = None, console: Console | None = None) -> Manifest:
    dep, rendered = load_and_render(answers, secrets, out_dir)
    paths = DeployPaths(rendered.out_dir)
    directory = resolve(paths.backups, backup)
    manifest = load(directory)
    refuse_mismatch(dep, manifest, directory)
    if confirm != dep.name:
        show = console or consoles.out
        show.print(f"restore {manifest.name} (taken {manifest.created}) would overwrite:")
        for line in overwrites(manifest, directory):
            show.print(f"  {line}", markup=False, highlight=False)
        raise UsageError(f"restore overwrites the state of deployment {dep.name!r}",
                         hint=f"confirm with --confirm {dep.name}")
    run_phases(rendered.out_dir, [PLAYBOOK], backup_options(directory), console)
    return manifest

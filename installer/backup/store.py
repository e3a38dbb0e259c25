"""Where backups live: ``<deployment dir>/backups/<UTC time>/``, 0700 directories, 0600 files."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from installer.backup.manifest import MANIFEST_NAME
from installer.deploy.rundir import new_stamped_dir
from installer.errors import UsageError


def new_backup_dir(backups: Path, now: datetime | None = None) -> Path:
    """Create and return a fresh backup directory named after the UTC time (mode 0700)."""
    directory = new_stamped_dir(backups, now)
    backups.chmod(0o700)
    return directory


def lock_down(directory: Path) -> None:
    """Directories 0700 and files 0600, owned by whoever runs stackinstall."""
    for root, dirs, files in os.walk(directory):
        os.chmod(root, 0o700)
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o700)
        for name in files:
            os.chmod(os.path.join(root, name), 0o600)


def complete(backups: Path) -> list[Path]:
    """The finished backups (those with a manifest), oldest first."""
    if not backups.is_dir():
        return []
    return sorted(p for p in backups.iterdir() if (p / MANIFEST_NAME).is_file())


def prune(backups: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` finished backups; return what was removed."""
    if keep < 1:
        raise UsageError(f"--keep {keep} would remove every backup",
                         hint="keep at least 1 (the one just made)")
    old = complete(backups)[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


def resolve(backups: Path, name: str | Path) -> Path:
    """A backup named by its directory, or by its name under ``backups/``."""
    given = Path(name)
    if given.is_dir():
        return given.resolve()
    inside = backups / given
    return inside.resolve() if inside.is_dir() else given

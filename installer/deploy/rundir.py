"""One directory per deploy run: ``DEPLOY_DIR/runs/<UTC timestamp>/`` with a plain log."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from installer.masking import Masker
from installer.paths import DeployPaths

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LOG_NAME = "deploy.log"
SUMMARY_NAME = "summary.json"


def new_stamped_dir(parent: Path, now: datetime | None = None) -> Path:
    """Create and return ``parent/<UTC time>`` (``-2``, ``-3``... if taken), mode 0700."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    candidate = parent / stamp
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = parent / f"{stamp}-{suffix}"
    candidate.mkdir(mode=0o700)
    return candidate


def new_run_dir(deploy_dir: Path, now: datetime | None = None) -> Path:
    """Create and return a fresh run directory named after the UTC start time."""
    return new_stamped_dir(DeployPaths(deploy_dir).runs, now)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


class RunLog:
    """The run's plain-text log: Ansible's output without colours, secrets masked."""

    def __init__(self, path: Path, masker: Masker) -> None:
        self.path = path
        self._masker = masker
        self._handle: TextIO = path.open("a", encoding="utf-8")
        path.chmod(0o600)

    def write(self, text: str) -> None:
        self._handle.write(self._masker(strip_ansi(text)).rstrip("\n") + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

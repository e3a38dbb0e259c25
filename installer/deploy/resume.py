"""The exact command that re-runs a deployment from the phase that failed."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path


def resume_command(
    answers: Path,
    phase: str,
    *,
    secrets: Path | None = None,
    out_dir: Path | None = None,
    limit: str | None = None,
    tags: Sequence[str] = (),
    upgrade: bool = False,
    strategy: str | None = None,
    yes: bool = False,
) -> str:
    """``stackinstall deploy ANSWERS --from PHASE`` plus the options that shaped this run."""
    argv = ["stackinstall", "deploy", str(answers)]
    if secrets:
        argv += ["--secrets", str(secrets)]
    if out_dir:
        argv += ["-o", str(out_dir)]
    argv += ["--from", phase]
    if limit:
        argv += ["--limit", limit]
    for tag in tags:
        argv += ["--tags", tag]
    if upgrade:
        argv.append("--upgrade")
    if strategy:
        argv += ["--strategy", strategy]
    if yes:
        argv.append("--yes")
    return shlex.join(argv)

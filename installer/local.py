"""This machine: running its commands, and locking its files between processes.

``installer.testbed.lab.system.run`` and ``installer.testbed.image.host.run`` are this
``run`` with their package's error (``LabError``, ``GuestImageError``).
"""

from __future__ import annotations

import fcntl
import shlex
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from installer.errors import StackInstallError


def failure_line(proc: subprocess.CompletedProcess[str]) -> str:
    """What a failed command said last: apt's last ``E:`` line, else its last non-blank line."""
    detail = [line.strip() for line in (proc.stderr or proc.stdout or "").splitlines()
              if line.strip()]
    errors = [line for line in detail if line.startswith("E:")]
    return (errors or detail or [f"exit code {proc.returncode}"])[-1]


def run(
    argv: Sequence[str],
    *,
    error: type[StackInstallError],
    check: bool = True,
    timeout: float = 120,
    hint: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (never through a shell); raise ``error`` naming it when it cannot run, times
    out or (with ``check``) fails."""
    try:
        proc = subprocess.run(
            list(argv), cwd=cwd, env=None if env is None else dict(env), capture_output=True,
            text=True, timeout=timeout, check=False, input=input_text,
        )
    except FileNotFoundError:
        raise error(f"command not found: {argv[0]}", hint=hint) from None
    except subprocess.TimeoutExpired:
        raise error(
            f"command timed out after {timeout:.0f} s: {shlex.join(argv)}", hint=hint
        ) from None
    if check and proc.returncode != 0:
        raise error(f"`{shlex.join(argv)}` failed: {failure_line(proc)}", hint=hint)
    return proc


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created, with its directory) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

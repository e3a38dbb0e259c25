"""Shared by the lab tests: run `stackinstall lab ...` and skip on a host that cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from installer.testbed.lab.checks import missing_packages


def skip_unless_lab_host() -> None:
    if os.geteuid() != 0 or missing_packages():
        pytest.skip("the lab test needs root and systemd-container, debootstrap, apt-cacher-ng",
                    allow_module_level=True)


def cli(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "installer", "lab", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    if check:
        assert proc.returncode == 0, f"lab {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def processes_of(lab: str) -> list[str]:
    """Processes whose command line names a path of the lab's state directory."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f"/lab/{lab}/" in cmd:
                found.append(f"{proc.name} {cmd}")
    return found

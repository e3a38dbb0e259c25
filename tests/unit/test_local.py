"""installer.local: commands on this machine and file locks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from installer.errors import GuestImageError, LabError
from installer.local import failure_line, file_lock, run


def test_a_failure_names_the_command_with_the_error_of_the_caller():
    with pytest.raises(LabError, match="`sh -c 'echo boom >&2; exit 3'` failed: boom"):
        run(["sh", "-c", "echo boom >&2; exit 3"], error=LabError)
    with pytest.raises(GuestImageError, match="command not found"):
        run(["definitely-not-a-command-xyz"], error=GuestImageError)
    assert run(["sh", "-c", "exit 3"], error=LabError, check=False).returncode == 3


def test_apt_errors_win_over_the_last_line():
    proc = subprocess.CompletedProcess([], 100, "", "E: Unable to locate package x\nW: later\n\n")
    assert failure_line(proc) == "E: Unable to locate package x"
    assert failure_line(subprocess.CompletedProcess([], 1, "out\n", "")) == "out"
    assert failure_line(subprocess.CompletedProcess([], 1, "", "")) == "exit code 1"


def test_file_lock_makes_its_directory(tmp_path: Path):
    lock = tmp_path / "new" / ".lock"
    with file_lock(lock):
        assert lock.is_file()

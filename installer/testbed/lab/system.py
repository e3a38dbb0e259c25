"""Running host commands and recognising the processes the lab started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from installer import local
from installer.errors import LabError


def run(
    argv: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 120,
    hint: str | None = None,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (never through a shell); raise :class:`LabError` with its stderr on failure."""
    return local.run(argv, error=LabError, check=check, timeout=timeout, hint=hint,
                     input_text=input_text)


@dataclass(frozen=True)
class ProcessRef:
    """A process the lab started: its PID plus its start time, so a reused PID never matches."""

    pid: int
    start_time: int
    marker: str

    def to_json(self) -> dict[str, object]:
        return {"pid": self.pid, "start_time": self.start_time, "marker": self.marker}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ProcessRef:
        return cls(
            pid=int(str(data["pid"])),
            start_time=int(str(data["start_time"])),
            marker=str(data["marker"]),
        )


def process_start_time(pid: int, proc_root: Path = Path("/proc")) -> int | None:
    """Field 22 of /proc/PID/stat (start time in clock ticks), or None if there is no such PID."""
    try:
        raw = (proc_root / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # the command name (field 2) is in parentheses and may contain spaces
    rest = raw[raw.rindex(")") + 2 :].split()
    if rest[0] == "Z":  # a zombie is not alive
        return None
    return int(rest[19])


def process_cmdline(pid: int, proc_root: Path = Path("/proc")) -> list[str]:
    try:
        raw = (proc_root / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def ref_for(pid: int, marker: str) -> ProcessRef:
    start = process_start_time(pid)
    if start is None:
        raise LabError(f"process {pid} ({marker}) exited right after it started")
    return ProcessRef(pid=pid, start_time=start, marker=marker)


def is_alive(ref: ProcessRef, proc_root: Path = Path("/proc")) -> bool:
    """True only if the PID still belongs to the very process we started."""
    if process_start_time(ref.pid, proc_root) != ref.start_time:
        return False
    return any(ref.marker in part for part in process_cmdline(ref.pid, proc_root))


def children_of(pid: int, proc_root: Path = Path("/proc")) -> list[int]:
    try:
        raw = (proc_root / str(pid) / "task" / str(pid) / "children").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return [int(x) for x in raw.split()]


def is_root() -> bool:
    return os.geteuid() == 0


def wait_reaped(pid: int, timeout: float = 5.0, proc_root: Path = Path("/proc")) -> bool:
    """Wait until ``pid`` has left the process table (its parent reaped it); bounded."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not (proc_root / str(pid)).exists():
            return True
        time.sleep(0.1)
    return not (proc_root / str(pid)).exists()


def kill_all(pids: Sequence[int]) -> list[int]:
    """SIGKILL each of ``pids`` still there and wait until it is reaped; the ones killed."""
    killed = []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    for pid in killed:
        wait_reaped(pid)
    return killed


def mounts_under(path: Path, mountinfo: Path = Path("/proc/self/mountinfo")) -> list[str]:
    """The mount points below ``path`` (not ``path`` itself), as mountinfo lists them."""
    prefix = str(path).rstrip("/") + "/"
    found = []
    for line in mountinfo.read_text().splitlines():
        target = line.split()[4]
        if target.startswith(prefix):
            found.append(target)
    return found


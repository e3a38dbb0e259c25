"""Stop a run cleanly on SIGTERM or SIGINT: ansible-runner ends ansible-playbook for us.

Without this, a signal kills the installer's Python process and leaves ansible-playbook
(ansible-runner starts it in a session of its own) running against the nodes, holding their
package locks, with no summary saying where the run was.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    """A context that turns SIGTERM/SIGINT into a request polled by ``cancel_callback``.

    Outside the main thread (where Python cannot install handlers) it does nothing and
    the signals keep their defaults.
    """

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._saved: dict[int, object] = {}

    def requested(self) -> bool:
        return self.signal_name is not None

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in _SIGNALS:
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_exc: object) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._saved.clear()


def end_leftovers(artifact_dir: Path, grace_s: float = 5.0) -> list[int]:
    """End the processes a stopped run left behind, by PID, and return their PIDs.

    ansible-runner kills ansible-playbook's process group, but Ansible's workers run in
    sessions of their own and would go on with their task (and hold their SSH connection)
    after the playbook is gone. Each carries ansible-runner's ``AWX_ISOLATED_DATA_DIR``
    naming this run's artifact directory, which picks out exactly the processes this run
    started.
    """
    marker = f"AWX_ISOLATED_DATA_DIR={artifact_dir}".encode()
    pids = [pid for pid in _pids() if marker in _environ(pid).split(b"\0")]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [pid for pid in pids if _signal(pid, sig)]
        if not alive:
            break
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in alive):
            time.sleep(0.1)
    return pids


def _pids() -> list[int]:
    me = os.getpid()
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and
            int(p.name) != me]


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""


def _signal(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True

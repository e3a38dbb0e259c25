"""Booting and stopping one node: a systemd-nspawn container with systemd as PID 1.

The host runs no systemd, so nspawn runs with ``--keep-unit --register=no`` (no bus) inside
a network namespace the lab made. It is started detached in its own session with its output
in the node's log. A SIGTERM to nspawn makes it send SIGRTMIN+3 to the container's systemd,
which powers off cleanly; only if that does not finish in time is nspawn (and the container
init, its child) killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from installer.testbed.lab import loopdev
from installer.testbed.lab.cgroups import joiner
from installer.testbed.lab.system import (
    ProcessRef,
    children_of,
    is_alive,
    kill_all,
    process_start_time,
    ref_for,
    wait_reaped,
)

NSPAWN = "systemd-nspawn"
STOP_TIMEOUT = 30.0
# tun for instances' taps; loop devices for cinder's loop-backed volume group
DEVICES: tuple[str, ...] = ("/dev/net/tun",)
# /proc/sys/net belongs to the node's own network namespace: let the node write it.
NSPAWN_ENV = {"SYSTEMD_NSPAWN_API_VFS_WRITABLE": "network"}


def nspawn_argv(root: Path, hostname: str, netns_path: Path, machine: str) -> list[str]:
    argv = [
        NSPAWN,
        "--quiet",
        "--keep-unit",
        "--register=no",
        "--boot",
        f"--directory={root}",
        f"--machine={machine}",
        f"--hostname={hostname}",
        f"--network-namespace-path={netns_path}",
        "--console=read-only",
        "--resolv-conf=off",
        "--link-journal=no",
        # neutron's agents manage links, bridges and sysctls of the node's own namespace
        "--capability=CAP_NET_ADMIN",
    ]
    argv += [f"--bind={dev}" for dev in (*DEVICES, *loopdev.device_nodes()) if Path(dev).exists()]
    return argv


def start(argv: list[str], log: Path, cgroups: list[Path]) -> ProcessRef:
    """Start nspawn detached, in its own session and in the node's own cgroups."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} start\n".encode())
        out.flush()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env={**os.environ, **NSPAWN_ENV},
            preexec_fn=joiner(cgroups),
        )
    return ref_for(proc.pid, NSPAWN)


def container_init(ref: ProcessRef) -> int | None:
    """PID (in the host's namespace) of the container's systemd, nspawn's child."""
    kids = children_of(ref.pid)
    return kids[0] if kids else None


def _wait_gone(ref: ProcessRef, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(ref.pid)
        if not is_alive(ref):
            return True
        time.sleep(0.2)
    return not is_alive(ref)


def _reap(pid: int) -> None:
    """Collect the exit status if the process is our own child (same CLI run)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop(ref: ProcessRef, timeout: float = STOP_TIMEOUT) -> str:
    """Stop a node cleanly; returns ``"stopped"``, ``"killed"`` or ``"not running"``."""
    if not is_alive(ref):
        return "not running"
    init_pid = container_init(ref)
    init_start = process_start_time(init_pid) if init_pid else None
    os.kill(ref.pid, signal.SIGTERM)
    if _wait_gone(ref, timeout):
        wait_reaped(ref.pid)
        return "stopped"
    os.kill(ref.pid, signal.SIGKILL)
    _wait_gone(ref, 5)
    # the container's init outlives a killed nspawn: it is ours, end it by its PID
    if init_pid and init_start is not None and process_start_time(init_pid) == init_start:
        os.kill(init_pid, signal.SIGKILL)
    wait_reaped(ref.pid)
    return "killed"


def memory_bytes(ref: ProcessRef, proc_root: Path = Path("/proc")) -> int | None:
    """Proportional set size of every process in the node's PID namespace, or None."""
    init_pid = container_init(ref)
    if init_pid is None:
        return None
    try:
        ns = os.readlink(proc_root / str(init_pid) / "ns" / "pid")
    except OSError:
        return None
    total = 0
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "ns" / "pid") != ns:
                continue
            total += _pss(entry / "smaps_rollup")
        except OSError:
            continue
    return total


def _pss(smaps_rollup: Path) -> int:
    for line in smaps_rollup.read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def namespace_inits(pids: list[int], proc_root: Path = Path("/proc")) -> list[int]:
    """Those of ``pids`` that are PID 1 of their own PID namespace (a container's init)."""
    inits = []
    for pid in pids:
        try:
            status = (proc_root / str(pid) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and line.split()[-1] == "1" and len(line.split()) > 2:
                inits.append(pid)
    return inits


def kill_orphans(pids: list[int]) -> list[int]:
    """End containers whose nspawn is gone (e.g. it was killed): SIGKILL to their init ends
    every process of that PID namespace. ``pids`` come from the lab's own cgroups."""
    return kill_all(namespace_inits(pids))

"""The lab's apt caching proxy: an apt-cacher-ng process the lab starts, owns and stops.

It listens only on the management bridge address, with its own configuration, log and
socket under the lab's state directory and its cache under the stackinstall cache. Two
traps (see lab-notes): ``backends_debian`` must name the host's mirror or it answers
``503 Host not found``, and it must connect with IPv4 only.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from installer.errors import LabError
from installer.testbed.lab.sources import Mirrors
from installer.testbed.lab.system import ProcessRef, ref_for

PORT = 3142
BINARY = "/usr/sbin/apt-cacher-ng"
SUPPORT_DIR = "/usr/lib/apt-cacher-ng"
START_TIMEOUT = 20.0


def render_config(
    conf_dir: Path, cache_dir: Path, log_dir: Path, bind: str, mirrors: Mirrors
) -> str:
    """acng.conf for one lab (keys as documented by apt-cacher-ng)."""
    security_host = mirrors.security.split("://", 1)[-1]
    return "\n".join(
        [
            "# Written by stackinstall lab; this apt-cacher-ng belongs to one lab.",
            f"CacheDir: {cache_dir}",
            f"LogDir: {log_dir}",
            f"SupportDir: {SUPPORT_DIR}",
            f"SocketPath: {conf_dir / 'socket'}",
            f"Port: {PORT}",
            f"BindAddress: {bind}",
            "ConnectProto: v4",
            "ForeGround: 1",
            "ReportPage: acng-report.html",
            "ExThreshold: 4",
            # a download the upstream mirror dropped is tried again rather than answered
            # with "503 Connection closed" (the default is 2 attempts)
            "DlMaxRetries: 6",
            "Remap-debrep: file:deb_mirror*.gz /debian ; file:backends_debian",
            "Remap-secdeb: security.debian.org deb.debian.org/debian-security "
            f"{security_host} /debian-security ; {security_host}",
            "",
        ]
    )


def write_config(conf_dir: Path, cache_dir: Path, bind: str, mirrors: Mirrors) -> None:
    log_dir = conf_dir / "log"
    for d in (conf_dir, cache_dir, log_dir):
        d.mkdir(parents=True, exist_ok=True)
    (conf_dir / "acng.conf").write_text(render_config(conf_dir, cache_dir, log_dir, bind, mirrors))
    (conf_dir / "backends_debian").write_text(mirrors.main + "/\n")


def start(conf_dir: Path, bind: str) -> ProcessRef:
    """Start apt-cacher-ng detached (own session) and wait until it accepts connections."""
    log = conf_dir / "log" / "stdout.log"
    if port_open(bind, PORT):
        raise LabError(
            f"something already listens on {bind}:{PORT}",
            hint="another apt-cacher-ng bound to all addresses? stop it, or bind it to "
            "127.0.0.1 only; the lab starts its own on the lab bridge",
        )
    log.write_bytes(b"")
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [BINARY, "-c", str(conf_dir)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    ref = ref_for(proc.pid, "apt-cacher-ng")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(
                f"apt-cacher-ng exited at start (code {proc.returncode})",
                hint=f"see {log} and {conf_dir / 'log'}; is port {PORT} on {bind} taken?",
            )
        if b"Couldn't bind" in log.read_bytes():
            proc.terminate()
            proc.wait(5)
            raise LabError(f"apt-cacher-ng could not listen on {bind}:{PORT}",
                           hint=f"see {log}; is the port taken by another program?")
        if port_open(bind, PORT):
            return ref
        time.sleep(0.2)
    raise LabError(
        f"apt-cacher-ng did not listen on {bind}:{PORT} within {START_TIMEOUT:.0f} s",
        hint=f"see {log}",
    )


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def proxy_apt_conf(url: str) -> str:
    return (
        "// Written by stackinstall lab: every download goes through the lab's apt proxy.\n"
        f'Acquire::http::Proxy "{url}";\n'
    )



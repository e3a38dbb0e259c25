"""Small read-only probes shared by checks (run through a testinfra host)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from installer.verify.registry import Outcome, failed


def run(host: Any, command: str) -> Any:
    """Run a shell command; the result has rc, stdout, stderr."""
    return host.run(command)


def first_unit(host: Any, candidates: Sequence[str]) -> str | None:
    """The first systemd unit of ``candidates`` installed on the host (distros differ)."""
    for name in candidates:
        if host.run(f"systemctl cat {shlex.quote(name)}.service").rc == 0:
            return name
    return None


def unit_state(host: Any, name: str) -> str:
    return host.run(f"systemctl is-active {shlex.quote(name)}.service").stdout.strip() or "unknown"


def not_active(host: Any, unit: str, hint: str = "") -> Outcome | None:
    """A failed Outcome when ``unit`` is not active (``hint`` is appended), else None."""
    state = unit_state(host, unit)
    if state == "active":
        return None
    return failed(f"{unit} is {state}, expected active{hint}")


def listening_addresses(host: Any, port: int) -> set[str]:
    """Local addresses with a TCP listener on ``port`` (``0.0.0.0``/``::`` for wildcards)."""
    out = host.run(f"ss -Hltn 'sport = :{port}'").stdout
    addresses = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        local = fields[3]
        address = local.rsplit(":", 1)[0].strip("[]")
        addresses.add({"*": "0.0.0.0"}.get(address, address))
    return addresses


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def family(host: Any) -> str:
    """The service catalogue's family of a node: ``debian``, ``ubuntu`` or ``redhat``."""
    distribution = (host.system_info.distribution or "").lower()
    if distribution in {"debian", "ubuntu"}:
        return distribution
    return "redhat"

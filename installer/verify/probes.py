"""Small read-only probes shared by checks, through testinfra's modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def first_unit(host: Any, candidates: Sequence[str]) -> str | None:
    """The first systemd unit of ``candidates`` installed on the host (distros differ)."""
    return next((name for name in candidates if host.service(name).exists), None)


def unit_state(host: Any, unit: str) -> str:
    """systemd's word for the unit's state: active, inactive, failed, activating, ..."""
    result = host.run("systemctl is-active %s", unit)
    if result.rc == 0:
        return "active"
    words = str(result.stdout).split()
    return words[0] if words else "not active"


def inactive(host: Any, unit: str, hint: str = "") -> str | None:
    """Why ``unit`` is not running (its state, ``hint`` appended), or None when it runs."""
    state = unit_state(host, unit)
    if state == "active":
        return None
    return f"{unit} is {state}, expected active{hint}"


def listening_addresses(host: Any, port: int) -> set[str]:
    """Local addresses with a TCP listener on ``port`` (``0.0.0.0``/``::`` for wildcards)."""
    addresses = set()
    for spec in host.socket.get_listening_sockets():
        if spec.startswith("tcp://"):
            address, _, found = spec[len("tcp://"):].rpartition(":")
            if found == str(port):
                addresses.add(address)
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

"""memcached: listening on the management address and loopback, nowhere else."""

from __future__ import annotations

from typing import Any

from installer import catalogue
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import inactive, listening_addresses

WHERE = "roles/memcached, /etc/memcached.conf"
PORT = catalogue.load().port("memcached")


@check("memcached listener", groups=("memcached",), where=WHERE)
def test_memcached_listener(host: Any, ctx: CheckContext) -> None:
    if problem := inactive(host, "memcached"):
        fail(problem)
    expected = {ctx.node.address, "127.0.0.1"}
    listening = listening_addresses(host, PORT)
    if listening != expected:
        shown = ", ".join(sorted(listening)) or "nothing"
        fail(
            f"memcached listens on {shown}, expected {', '.join(sorted(expected))} (port {PORT})"
        )
    ctx.passed(", ".join(f"{a}:{PORT}" for a in sorted(expected)))

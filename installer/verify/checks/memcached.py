"""memcached: listening on the management address and loopback, nowhere else."""

from __future__ import annotations

from typing import Any

from installer.verify.context import CheckContext
from installer.verify.probes import listening_addresses, not_active
from installer.verify.registry import Outcome, check, failed, passed

WHERE = "roles/memcached, /etc/memcached.conf"


@check("memcached listener", groups=("memcached",), where=WHERE)
def memcached_listener(host: Any, ctx: CheckContext) -> Outcome:
    if inactive := not_active(host, "memcached"):
        return inactive
    expected = {ctx.node.address, "127.0.0.1"}
    listening = listening_addresses(host, 11211)
    if listening != expected:
        shown = ", ".join(sorted(listening)) or "nothing"
        return failed(
            f"memcached listens on {shown}, expected {', '.join(sorted(expected))} (port 11211)"
        )
    return passed(", ".join(f"{a}:11211" for a in sorted(expected)))

"""The OpenStack client, run as root on a node with the post phase's clouds.yaml.

Shared by the API checks and the smoke: one call with a time-out, the client's last error
line on failure, JSON decoded, and the words by which a dropped connection is recognised.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from installer.verify.probes import last_line

# The client's words for a connection the API dropped (seen once in CI on a delete:
# "('Connection aborted.', ConnectionResetError(104, ...))").
TRANSIENT = ("Connection aborted", "Connection reset", "Remote end closed")


class ClientError(Exception):
    """The client failed; the message says how (its last error line, or the time-out)."""

    def transient(self, marks: tuple[str, ...] = TRANSIENT) -> bool:
        return any(mark in str(self) for mark in marks)


def openstack(host: Any, cloud: str, args: str, *, timeout: int, as_json: bool = True) -> Any:
    """Run ``openstack --os-cloud CLOUD ARGS`` on ``host``; JSON decoded unless ``as_json``."""
    fmt = " -f json" if as_json else ""
    result = host.run(f"timeout {timeout} openstack --os-cloud {shlex.quote(cloud)} {args}{fmt}")
    if result.rc == 124:
        raise ClientError(f"openstack {args} got no answer within {timeout} s "
                          "(a hung API worker? see the service's log)")
    if result.rc != 0:
        raise ClientError(last_line(result.stderr) or f"openstack {args} exited {result.rc}")
    if not as_json:
        return result.stdout
    try:
        return json.loads(result.stdout or "null")
    except json.JSONDecodeError as exc:
        raise ClientError(f"openstack {args} printed no JSON: {last_line(result.stdout)}") from exc

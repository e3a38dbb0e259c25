"""Run preflight's commands on this machine, for the node that is it (``connection: local``).

The same ``run`` as :class:`installer.preflight.ssh.Session`, with ``sh -c`` instead of SSH.
"""

from __future__ import annotations

import subprocess

from installer.preflight.ssh import COMMAND_TIMEOUT_S, Output

#: What the login row says of a local node (there is no SSH host key).
HOST_KEY = "local connection, no SSH"


class LocalSession:
    """This machine; use as a context manager, like ``ssh.Session``."""

    host_key = HOST_KEY

    def __enter__(self) -> LocalSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> Output:
        """Run ``command`` with sh; a timeout or a missing shell is rc 255 with the reason."""
        try:
            done = subprocess.run(["sh", "-c", command], capture_output=True, text=True,
                                  timeout=timeout, check=False, errors="replace")
        except (OSError, subprocess.SubprocessError) as exc:
            return Output(255, "", f"command failed on this machine: {exc}")
        return Output(done.returncode, done.stdout, done.stderr)

"""One paramiko SSH session to one node: log in with the answer file's key, run commands.

Host keys: those the deployment already knows (its ``known_hosts``, written by deploy)
must match; a host not in it yet is accepted for this run and not recorded (preflight
changes nothing, on the nodes or here).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

import paramiko

# paramiko logs transport errors (with tracebacks) itself; we report them as findings.
logging.getLogger("paramiko").addHandler(logging.NullHandler())
logging.getLogger("paramiko").propagate = False

CONNECT_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 30.0


class LoginFailed(Exception):
    """The node could not be reached or refused the key; the message says which."""

    def __init__(self, message: str, *, key_unusable: bool = False,
                 unreachable: bool = False) -> None:
        super().__init__(message)
        #: the key file itself cannot be used (unreadable, not a key, passphrase)
        self.key_unusable = key_unusable
        #: no SSH server answered at address:port (refused, timed out, not SSH)
        self.unreachable = unreachable


@dataclass(frozen=True)
class Target:
    address: str
    port: int
    user: str
    key_file: Path
    known_hosts: Path | None = None


@dataclass(frozen=True)
class Output:
    rc: int
    stdout: str
    stderr: str


def _reason(exc: Exception) -> str:
    """Why a connect failed: paramiko's NoValidConnectionsError ("Unable to connect to port
    22 on ...") hides the socket's own error, e.g. "Connection refused"."""
    if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError) and exc.errors:
        return "; ".join(sorted({getattr(e, "strerror", None) or str(e) or type(e).__name__
                                 for e in exc.errors.values()}))
    return str(exc) or type(exc).__name__


class _AcceptUnknown(paramiko.MissingHostKeyPolicy):
    def missing_host_key(self, client: paramiko.SSHClient, hostname: str,
                         key: paramiko.PKey) -> None:
        return None


class Session:
    """A logged-in connection; use as a context manager."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._client = paramiko.SSHClient()
        self._client.set_missing_host_key_policy(_AcceptUnknown())
        if target.known_hosts is not None and target.known_hosts.is_file():
            # unreadable known_hosts: every key counts as new, as without one
            with contextlib.suppress(OSError, paramiko.SSHException):
                self._client.load_host_keys(str(target.known_hosts))

    def __enter__(self) -> Session:
        self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def login(self) -> None:
        t = self.target
        try:
            key = paramiko.PKey.from_path(t.key_file)
        except (paramiko.PasswordRequiredException, TypeError) as exc:
            # cryptography raises TypeError for an encrypted PEM key without a password
            raise LoginFailed(f"the key {t.key_file} is encrypted with a passphrase",
                              key_unusable=True) from exc
        except (paramiko.SSHException, OSError, ValueError) as exc:
            raise LoginFailed(f"cannot read the key {t.key_file}: {exc}",
                              key_unusable=True) from exc
        try:
            self._client.connect(
                t.address, port=t.port, username=t.user, pkey=key,
                timeout=CONNECT_TIMEOUT_S, banner_timeout=CONNECT_TIMEOUT_S,
                auth_timeout=CONNECT_TIMEOUT_S, allow_agent=False, look_for_keys=False,
            )
        except paramiko.BadHostKeyException as exc:
            raise LoginFailed(
                f"host key of {t.address} differs from the one in {t.known_hosts} "
                f"({exc.key.get_name()} {exc.key.fingerprint})") from exc
        except paramiko.AuthenticationException as exc:
            raise LoginFailed(f"{t.user}@{t.address} refused the key {t.key_file}: {exc}") from exc
        except (paramiko.SSHException, OSError, ValueError) as exc:
            raise LoginFailed(f"cannot connect to {t.address}:{t.port}: {_reason(exc)}",
                              unreachable=True) from exc

    @property
    def host_key(self) -> str:
        transport = self._client.get_transport()
        if transport is None:
            return ""
        key = transport.get_remote_server_key()
        return f"{key.get_name()} {key.fingerprint}"

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> Output:
        """Run ``command``; a lost connection or a timeout is rc 255 with the reason."""
        try:
            _stdin, stdout, stderr = self._client.exec_command(command, timeout=timeout)
            out = stdout.read().decode(errors="replace")
            err = stderr.read().decode(errors="replace")
            return Output(stdout.channel.recv_exit_status(), out, err)
        except (paramiko.SSHException, OSError) as exc:
            return Output(255, "", f"command failed over SSH: {exc or type(exc).__name__}")

"""The secrets file: generate strong values, read them back, judge their strength."""

from __future__ import annotations

import base64
import binascii
import os
import secrets as _random
import stat
import struct
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from installer import catalogue
from installer.answers import checks
from installer.answers.schema import CEPHX_SECRETS, SECRETS, UUID_SECRETS
from installer.answers.source import Problem, Source, read

#: catalogue.yml's secret_rules (the roles' asserts read the same minimum length)
_RULES = catalogue.load().secret_rules
WEAK_WORDS = _RULES.weak_words
MIN_LENGTH = _RULES.min_length

HEADER = (
    "# stackinstall secrets — generated; keep this file private (mode 0600).\n"
    "# `stackinstall answers generate --secrets-only -o ANSWER_FILE` adds missing ones.\n"
)


CEPHX_HEADER = struct.Struct("<HIIH")  # type (1: AES), created (sec, nsec), key length
CEPHX_KEY_BYTES = 16


def new_cephx_key() -> str:
    """A cephx secret as ``ceph-authtool --gen-print-key`` prints it."""
    header = CEPHX_HEADER.pack(1, int(time.time()), 0, CEPHX_KEY_BYTES)
    return base64.b64encode(header + _random.token_bytes(CEPHX_KEY_BYTES)).decode("ascii")


def cephx_problem(value: str) -> str | None:
    """Why ``value`` is not a cephx key, or None."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "is not a cephx key (not base64)"
    if len(raw) != CEPHX_HEADER.size + CEPHX_KEY_BYTES:
        return "is not a cephx key (wrong length)"
    kind, _sec, _nsec, length = CEPHX_HEADER.unpack_from(raw)
    if kind != 1 or length != CEPHX_KEY_BYTES:
        return "is not a cephx key (not an AES key)"
    return None


def new_secret(name: str) -> str:
    if name in CEPHX_SECRETS:
        return new_cephx_key()
    if name in UUID_SECRETS:
        return str(uuid.uuid4())
    return _random.token_urlsafe(48 if name == "horizon_secret_key" else 24)


def weakness(value: str, name: str = "") -> str | None:
    """Why ``value`` is too weak (or malformed) to protect a service, or None."""
    if not value:
        return "is empty"
    if checks.text(value):  # its message would show the value
        return ("contains a line break, a control character or '{{', '{%' or '{#' (Ansible "
                "would evaluate it as a template on the deploy host)")
    if name in CEPHX_SECRETS:
        return cephx_problem(value)
    if name in UUID_SECRETS:
        try:
            uuid.UUID(value)
        except ValueError:
            return "is not a UUID"
        return None
    if len(value) < MIN_LENGTH:
        return f"is only {len(value)} characters long (at least {MIN_LENGTH} needed)"
    if value.lower() in WEAK_WORDS or len(set(value)) < _RULES.min_distinct:
        return "is too easy to guess"
    return None


def default_path(answers_path: Path) -> Path:
    return answers_path.with_name(f"{answers_path.stem}.secrets.yml")


#: The command that creates or completes a secrets file (``check`` gets the exact one).
FILL_COMMAND = "stackinstall answers generate --secrets-only -o ANSWER_FILE"


def check(path: Path, fill_command: str = FILL_COMMAND) -> tuple[dict[str, str], list[Problem]]:
    """Read and judge a secrets file; return the values and every problem.

    ``fill_command`` is the command that fills this file (named in the fixes).
    """
    fix_missing = f"run `{fill_command}` to create {path} with strong values"
    if not path.exists():
        return {}, [Problem(str(path), None, "", "secrets file does not exist", fix_missing)]
    src: Source = read(path)
    if src.problems:
        return {}, src.problems
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:  # pragma: no cover - stat after a successful read
        return {}, [Problem(str(path), None, "", f"cannot be read ({exc})", "check permissions")]
    if mode & 0o077:
        src.problem("", f"is readable by others (mode {mode:04o})",
                    f"run `chmod 600 {path}`")
    data = src.data if src.data is not None else {}
    if not isinstance(data, dict):
        src.problem("", "must be a mapping of secret names to values", fix_missing)
        return {}, src.problems
    values: dict[str, str] = {}
    for name in SECRETS:
        if name not in data:
            src.problem(name, "is missing", f"run `{fill_command}` to add it")
            continue
        value = data[name]
        if not isinstance(value, str):
            src.problem(name, "must be a string", "quote the value")
            continue
        why = weakness(value, name)
        if why:
            src.problem(name, f"{why} (value hidden)",
                        f"delete the line and run `{fill_command}` for a "
                        f"strong value, or set at least {MIN_LENGTH} random characters")
            continue
        values[name] = value
    for name in data:
        if name not in SECRETS:
            src.problem(str(name), "is not a known secret",
                        f"remove it; known secrets: {', '.join(SECRETS)}")
    return values, src.problems


def fill(path: Path) -> list[str]:
    """Create ``path`` or add the secrets it lacks; return the names added.

    Existing values are never changed. The file is replaced atomically with mode 0600.
    """
    existing: dict[str, object] = {}
    if path.exists():
        src = read(path)
        if src.problems or not isinstance(src.data, dict | None):
            from installer.errors import AnswerFileError

            raise AnswerFileError(
                f"{path} exists but is not a readable secrets file; it was left untouched",
                src.problems,
            )
        existing = dict(src.data or {})
    added = [name for name in SECRETS if name not in existing]
    if not added and path.exists():
        return []
    merged = {**existing, **{name: new_secret(name) for name in added}}
    body = HEADER + yaml.safe_dump(merged, default_flow_style=False, sort_keys=False)
    write_private(path, body)
    return added


def write_private(path: Path, body: str) -> None:
    """Write ``body`` to ``path`` atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

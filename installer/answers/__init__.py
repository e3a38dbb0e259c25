"""Answer files: load, validate (every problem at once), generate, and the typed model."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from installer.answers import secrets as secrets_file
from installer.answers.model import (
    Ceph,
    Cinder,
    Deployment,
    Locale,
    Network,
    Node,
    Nova,
    Ntp,
    Repos,
    Secrets,
    Ssh,
    Tls,
    Tuning,
)
from installer.answers.report import show
from installer.answers.source import Problem, read
from installer.answers.validate import resolve_secrets_path, validate
from installer.errors import AnswerFileError

__all__ = ["Deployment", "Node", "Problem", "check", "load", "load_topology"]


def check(path: Path, secrets_path: Path | None = None,
          *, with_secrets: bool = True) -> tuple[dict[str, Any] | None, Path, dict[str, str],
                                                 list[Problem]]:
    """Validate answers and secrets: (settings or None, secrets path, secrets, problems)."""
    src = read(path)
    merged = validate(src)
    raw = src.data if isinstance(src.data, dict) else None
    spath = secrets_path or resolve_secrets_path(path, merged or raw)
    problems = list(src.problems)
    values: dict[str, str] = {}
    if with_secrets:
        values, secret_problems = secrets_file.check(spath, fill_command(path, secrets_path))
        problems += secret_problems
    return merged, spath, values, problems


def fill_command(path: Path, secrets_path: Path | None = None) -> str:
    """The command that creates or completes the secrets file of answer file ``path``."""
    command = f"stackinstall answers generate --secrets-only -o {shlex.quote(str(path))}"
    return command + (f" --secrets {shlex.quote(str(secrets_path))}" if secrets_path else "")


def load(path: Path, secrets_path: Path | None = None) -> Deployment:
    """Load a valid answer file and its secrets as a Deployment, or raise AnswerFileError."""
    path = Path(path)
    merged, spath, values, problems = check(path, secrets_path)
    if problems or merged is None:
        raise AnswerFileError(f"{path} has {len(problems)} problem(s)", problems)
    return build(path, spath, merged, values)


def load_topology(path: Path) -> Deployment:
    """A valid answer file as a Deployment without its secrets (none are read), or raise
    AnswerFileError after showing every problem (preflight and status need no secrets)."""
    merged, spath, _values, problems = check(path, with_secrets=False)
    if problems or merged is None:
        show(problems)
        raise AnswerFileError(f"{path} has {len(problems)} problem(s)", list[object](problems))
    return build(path, spath, merged, {})


def build(path: Path, spath: Path, merged: dict[str, Any], values: dict[str, str]) -> Deployment:
    d = merged["deployment"]
    return Deployment(
        path=path.resolve(),
        secrets_path=spath.resolve(),
        name=d["name"],
        release=d["release"],
        distro=d["distro"],
        ssh=Ssh(**merged["ssh"]),
        network=Network(**merged["network"]),
        nodes=tuple(Node(n["name"], n["address"], tuple(n["roles"]), n["connection"])
                    for n in merged["nodes"]),
        ntp=Ntp(tuple(merged["ntp"]["servers"]), tuple(merged["ntp"]["allow"])),
        locale=Locale(**merged["locale"]),
        services=tuple(merged["services"]),
        tuning=Tuning(**merged["tuning"]),
        nova=Nova(**merged["nova"]),
        cinder=Cinder(**merged["cinder"]),
        repos=Repos(**merged["repos"]),
        overrides=merged["overrides"],
        secrets=Secrets(values),
        ceph=Ceph(mode=merged["ceph"]["mode"],
                  osd_devices=tuple(merged["ceph"]["osd_devices"]),
                  osd_file_size_gb=merged["ceph"]["osd_file_size_gb"],
                  monitors=tuple(merged["ceph"]["monitors"]),
                  fsid=merged["ceph"]["fsid"]),
        tls=_tls(path, merged["tls"]),
    )


def _tls(path: Path, tls: dict[str, Any]) -> Tls:
    """The tls section, its file paths made absolute (relative ones: to the answer file)."""
    files = {key: str((path.parent / tls[key]).resolve()) if tls[key] else ""
             for key in ("certificate", "key", "chain")}
    return Tls(mode=tls["mode"], public_name=tls["public_name"],
               public_address=tls["public_address"], internal=tls["internal"], **files)

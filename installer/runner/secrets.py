"""Keep secret values out of the terminal, the logs and the run artifacts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from installer.answers.schema import UUID_SECRETS
from installer.errors import DeployError

MASK = "********"
#: Shorter values would mask ordinary words; generated secrets are far longer.
MIN_SECRET_LEN = 6


def secrets_file(deploy_dir: Path) -> Path:
    return deploy_dir / "inventory" / "group_vars" / "all" / "secrets.yml"


def load_secret_values(deploy_dir: Path) -> dict[str, str]:
    """Every secret of the rendered deployment, by key (empty if none were rendered).

    The UUIDs kept in the secrets file (Ceph's fsid, the libvirt secret's UUID) are
    identifiers that ``ceph -s`` or ``virsh secret-list`` show to anyone on the node; they
    live there only to be generated once, and are not masked.
    """
    path = secrets_file(deploy_dir)
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DeployError(
            f"{path} is not valid YAML: {exc}",
            hint="re-render the deployment: stackinstall render ANSWERS",
        ) from exc
    return {str(k): str(v) for k, v in data.items()
            if v is not None and str(v) and str(k) not in UUID_SECRETS}


def _forms(value: str) -> set[str]:
    """The value as written raw and as it appears inside a JSON string."""
    return {value, json.dumps(value)[1:-1]}


class Masker:
    """Replaces every secret value in a text with ``********``."""

    def __init__(self, values: Iterable[str]) -> None:
        forms = {f for v in values if len(v) >= MIN_SECRET_LEN for f in _forms(v)}
        # Longest first so that a secret containing another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


@dataclass(frozen=True)
class Leak:
    path: Path
    key: str


def find_leaks(root: Path, secrets: Mapping[str, str]) -> list[Leak]:
    """Every (file, secret key) where a secret value appears under ``root``."""
    needles = {
        key: [f.encode() for f in _forms(v)]
        for key, v in secrets.items()
        if len(v) >= MIN_SECRET_LEN
    }
    leaks: list[Leak] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        leaks.extend(
            Leak(path, key) for key, forms in needles.items() if any(f in data for f in forms)
        )
    return leaks


def redact(leaks: Iterable[Leak], secrets: Mapping[str, str]) -> None:
    """Overwrite leaked values in place so the run directory can be shared safely."""
    masker = Masker(secrets.values())
    for path in sorted({leak.path for leak in leaks}):
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        path.write_bytes(masker(text).encode("utf-8", errors="surrogateescape"))

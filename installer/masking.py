"""Keep secret values out of the terminal, the logs and the artifacts of deploy and verify."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import yaml

from installer.answers.schema import UUID_SECRETS
from installer.errors import DeployError
from installer.paths import DeployPaths

MASK = "********"
#: Shorter values would mask ordinary words; generated secrets are far longer.
MIN_SECRET_LEN = 6


def load_secret_values(deploy_dir: Path) -> dict[str, str]:
    """Every secret of the rendered deployment, by key (empty if none were rendered).

    The UUIDs kept in the secrets file (Ceph's fsid, the libvirt secret's UUID) are
    identifiers that ``ceph -s`` or ``virsh secret-list`` show to anyone on the node; they
    live there only to be generated once, and are not masked.
    """
    path = DeployPaths(deploy_dir).secrets
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


def forms(value: str) -> set[str]:
    """The value as written raw and as it appears inside a JSON string."""
    return {value, json.dumps(value)[1:-1]}


class Masker:
    """Replaces every secret value in a text with ``********``."""

    def __init__(self, values: Iterable[str]) -> None:
        found = {f for v in values if len(v) >= MIN_SECRET_LEN for f in forms(v)}
        # Longest first so that a secret containing another is masked whole.
        self._forms = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

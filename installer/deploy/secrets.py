"""Find and redact secret values left in a run's artifacts (masking: ``installer.masking``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from installer.masking import MIN_SECRET_LEN, Masker, forms


@dataclass(frozen=True)
class Leak:
    path: Path
    key: str


def find_leaks(root: Path, secrets: Mapping[str, str]) -> list[Leak]:
    """Every (file, secret key) where a secret value appears under ``root``."""
    needles = {
        key: [f.encode() for f in forms(v)]
        for key, v in secrets.items()
        if len(v) >= MIN_SECRET_LEN
    }
    leaks: list[Leak] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        leaks.extend(
            Leak(path, key) for key, variants in needles.items() if any(f in data for f in variants)
        )
    return leaks


def redact(leaks: Iterable[Leak], secrets: Mapping[str, str]) -> None:
    """Overwrite leaked values in place so the run directory can be shared safely."""
    masker = Masker(secrets.values())
    for path in sorted({leak.path for leak in leaks}):
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        path.write_bytes(masker(text).encode("utf-8", errors="surrogateescape"))

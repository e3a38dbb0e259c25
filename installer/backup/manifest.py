"""A backup's manifest: what each part is, its checksum, and whose and which release it is.

``manifest.json`` sits in the backup's directory beside the parts. It names no secret: parts
are listed by path, kind, size and SHA-256 only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from installer.errors import BackupError

MANIFEST_NAME = "manifest.json"
FORMAT = 1
#: The file the secrets file is kept as, at the top of the backup.
SECRETS_NAME = "secrets.yml"
#: Part file name -> kind. Node parts live in ``<node>/``, the secrets file at the top.
KINDS: Mapping[str, str] = {
    "databases.sql.gz": "databases",
    "databases.json": "database-list",
    "keystone-keys.tar.gz": "keystone-keys",
    "config.tar.gz": "config",
    "ceph-monmap": "ceph-monmap",
    "ceph-auth.keyring": "ceph-keys",
    SECRETS_NAME: "secrets",
}
_CHUNK = 1 << 20


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def identity(name: str, nodes: Iterable[tuple[str, str]]) -> str:
    """A fingerprint of the deployment: its name and its nodes' names and addresses."""
    text = json.dumps([name, sorted(f"{n}={a}" for n, a in nodes)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Part:
    #: relative to the backup directory: ``<node>/<file>``, or the secrets file at the top
    path: str
    kind: str
    node: str | None
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    name: str
    created: str
    deployment: str
    release: str
    identity: str
    nodes: tuple[str, ...]
    databases: tuple[str, ...]
    parts: tuple[Part, ...]
    duration_s: float = 0.0
    format: int = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["nodes"] = list(self.nodes)
        data["databases"] = list(self.databases)
        data["parts"] = [asdict(p) for p in self.parts]
        data["size"] = sum(p.size for p in self.parts)
        return data

    def write(self, directory: Path) -> Path:
        path = directory / MANIFEST_NAME
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)
        return path


def collect_parts(directory: Path) -> list[Part]:
    """Every part file under ``directory`` (the manifest aside), with its checksum.

    A file whose name is no known part is refused: nothing unlisted goes into a backup.
    """
    parts: list[Part] = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory)
        if rel.as_posix() == MANIFEST_NAME:
            continue
        kind = KINDS.get(path.name)
        node = rel.parts[0] if len(rel.parts) == 2 else None
        if kind is None or (node is None) != (kind == "secrets") or len(rel.parts) > 2:
            raise BackupError(f"{path} is not a part of a backup",
                              hint="report this: the backup playbook made an unknown file")
        parts.append(Part(rel.as_posix(), kind, node, path.stat().st_size, sha256(path)))
    return parts


def load(directory: Path) -> Manifest:
    """The manifest of the backup in ``directory``; refuses a missing or unreadable one."""
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"{directory} is not a backup: it has no {MANIFEST_NAME}",
                          hint="name a directory `stackinstall backup` made "
                               "(deployments/<name>/backups/<UTC time>)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise BackupError(f"{path} has format {data.get('format')!r}; this stackinstall "
                              f"reads format {FORMAT}",
                              hint="restore it with the stackinstall version that made it")
        return Manifest(
            name=str(data["name"]), created=str(data["created"]),
            deployment=str(data["deployment"]), release=str(data["release"]),
            identity=str(data["identity"]), nodes=tuple(data["nodes"]),
            databases=tuple(data["databases"]),
            parts=tuple(Part(str(p["path"]), str(p["kind"]), p["node"], int(p["size"]),
                             str(p["sha256"])) for p in data["parts"]),
            duration_s=float(data.get("duration_s", 0.0)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is not a valid manifest: {exc}",
                          hint="the backup is damaged; restore another one") from exc


def mismatches(directory: Path, manifest: Manifest) -> list[str]:
    """What differs between the manifest and the files: missing, altered or unlisted parts."""
    problems: list[str] = []
    listed = {p.path for p in manifest.parts}
    for part in manifest.parts:
        path = directory / part.path
        if not path.is_file():
            problems.append(f"{part.path}: missing")
        elif sha256(path) != part.sha256:
            problems.append(f"{part.path}: checksum differs from the manifest")
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        if rel != MANIFEST_NAME and rel not in listed:
            problems.append(f"{rel}: not in the manifest")
    return problems

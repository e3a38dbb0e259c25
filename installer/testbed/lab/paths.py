"""Where the lab keeps its state, its image cache and its apt cache on the host."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STATE_ROOT = Path(os.environ.get("STACKINSTALL_LAB_STATE_ROOT", "/var/lib/stackinstall/lab"))
CACHE_ROOT = Path(os.environ.get("STACKINSTALL_LAB_CACHE_ROOT", "/var/cache/stackinstall"))


@dataclass(frozen=True)
class LabPaths:
    """Every file and directory of one lab, under ``STATE_ROOT/<name>``."""

    name: str
    root: Path

    @classmethod
    def for_lab(cls, name: str, state_root: Path = STATE_ROOT) -> LabPaths:
        return cls(name=name, root=state_root / name)

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.root.parent / f".{self.name}.lock"

    @property
    def private_key(self) -> Path:
        return self.root / "id_ed25519"

    @property
    def public_key(self) -> Path:
        return self.root / "id_ed25519.pub"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def answers(self) -> Path:
        return self.root / "answers.yml"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets.yml"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def proxy_dir(self) -> Path:
        return self.root / "apt-cacher-ng"

    def node_dir(self, node: str) -> Path:
        return self.root / "nodes" / node

    def node_log(self, node: str) -> Path:
        return self.logs / f"{node}.log"


def image_dir() -> Path:
    return CACHE_ROOT / "images"


def apt_cache_dir(lab: str) -> Path:
    return CACHE_ROOT / "apt-cacher-ng" / lab

"""Which answer file a deployment directory belongs to.

Two answer files with the same ``deployment.name`` beside each other would render into the
same ``deployments/<name>`` and silently mix their inventories, runs and credentials. The
first render records its answer file in the directory (:data:`MARKER`); a render from
another answer file is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

from installer import templates
from installer.errors import FileExistsRefusal
from installer.paths import DeployPaths

#: File in the deployment directory naming the answer file that owns it (absolute path).
MARKER = DeployPaths.OWNER_MARKER
#: The header every rendered file starts with (filled with ``source``).
HEADER_TEMPLATE = "inventory/_header.j2"


def owner(out_dir: Path) -> Path | None:
    """The answer file ``out_dir`` was rendered from, or None for a new directory."""
    paths = DeployPaths(out_dir)
    if paths.owner_marker.is_file():
        recorded = paths.owner_marker.read_text(encoding="utf-8").strip()
        return Path(recorded) if recorded else None
    return _rendered_from(paths.hosts)  # rendered before the marker


def _rendered_from(hosts: Path) -> Path | None:
    """The answer file named by the header render writes (templates/inventory/_header.j2)."""
    try:
        with hosts.open(encoding="utf-8") as fh:
            first = fh.readline()
    except OSError:
        return None
    first = first.removesuffix("\n")
    head = templates.render(HEADER_TEMPLATE, {"source": "\0"}).removesuffix("\n")
    prefix, _, suffix = head.partition("\0")
    if first.startswith(prefix) and first.endswith(suffix) and len(first) > len(prefix + suffix):
        return Path(first[len(prefix): len(first) - len(suffix)])
    return None


def refuse_foreign(out_dir: Path, answers: Path) -> Path | None:
    """Refuse (exit 4) a directory another answer file owns; return its owner, if any."""
    answers = answers.resolve()
    current = owner(out_dir)
    if current is not None and current != answers:
        gone = "" if current.exists() else " (that file no longer exists)"
        raise FileExistsRefusal(
            f"deployment directory {out_dir} belongs to answer file {current}{gone}; "
            f"{answers} would share it, mixing the two deployments",
            hint=f"give {answers.name} its own deployment.name (or render it elsewhere with "
                 f"-o DIR); if {answers.name} now replaces {current.name}, delete "
                 f"{DeployPaths(out_dir).owner_marker} and render again",
        )
    return current


def claim(out_dir: Path, answers: Path) -> None:
    """Record ``answers`` as the owner of ``out_dir``; refuse a directory another one owns."""
    answers = answers.resolve()
    current = refuse_foreign(out_dir, answers)
    marker = DeployPaths(out_dir).owner_marker
    if current is None or not marker.is_file():
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_name(f"{MARKER}.tmp")
        tmp.write_text(f"{answers}\n", encoding="utf-8")
        os.replace(tmp, marker)

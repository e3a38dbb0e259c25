"""Which answer file a deployment directory belongs to.

Two answer files with the same ``deployment.name`` beside each other would render into the
same ``deployments/<name>`` and silently mix their inventories, runs and credentials. The
first render records its answer file in the directory (:data:`MARKER`); a render from
another answer file is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

from installer.errors import FileExistsRefusal

#: File in the deployment directory naming the answer file that owns it (absolute path).
MARKER = ".answer-file"


def owner(out_dir: Path) -> Path | None:
    """The answer file ``out_dir`` was rendered from, or None for a new directory."""
    marker = out_dir / MARKER
    if marker.is_file():
        recorded = marker.read_text(encoding="utf-8").strip()
        return Path(recorded) if recorded else None
    return _rendered_from(out_dir / "inventory" / "hosts.yml")  # rendered before the marker


def _rendered_from(hosts: Path) -> Path | None:
    """The answer file named by the header render writes (installer.render.HEADER)."""
    try:
        with hosts.open(encoding="utf-8") as fh:
            first = fh.readline()
    except OSError:
        return None
    prefix, suffix = "# Rendered by stackinstall from ", "; edit the answer file"
    if first.startswith(prefix) and suffix in first:
        return Path(first[len(prefix): first.index(suffix)])
    return None


def claim(out_dir: Path, answers: Path) -> None:
    """Record ``answers`` as the owner of ``out_dir``; refuse a directory another one owns."""
    answers = answers.resolve()
    current = owner(out_dir)
    if current is not None and current != answers:
        gone = "" if current.exists() else " (that file no longer exists)"
        raise FileExistsRefusal(
            f"deployment directory {out_dir} belongs to answer file {current}{gone}; "
            f"{answers} would share it, mixing the two deployments",
            hint=f"give {answers.name} its own deployment.name (or render it elsewhere with "
                 f"-o DIR); if {answers.name} now replaces {current.name}, delete "
                 f"{out_dir / MARKER} and render again",
        )
    if current is None or not (out_dir / MARKER).is_file():
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = out_dir / f"{MARKER}.tmp"
        tmp.write_text(f"{answers}\n", encoding="utf-8")
        os.replace(tmp, out_dir / MARKER)

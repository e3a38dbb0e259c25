"""Shared fixtures: paths and a valid answer file with secrets in a temp dir."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from installer.answers.secrets import fill

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "answers"


@pytest.fixture
def four_node(tmp_path: Path) -> Path:
    """A copy of answers/four-node.yml with a freshly generated secrets file beside it."""
    path = tmp_path / "four-node.yml"
    shutil.copy(SAMPLES / "four-node.yml", path)
    fill(tmp_path / "four-node.secrets.yml")
    return path

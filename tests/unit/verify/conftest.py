from pathlib import Path

import pytest

from installer.answers import load
from installer.render import render


@pytest.fixture
def deploy_dir(four_node: Path, tmp_path: Path) -> Path:
    """A deployment directory rendered by the real renderer from answers/four-node.yml."""
    return render(load(four_node), tmp_path / "deploy").out_dir

"""The sample answer files stay valid and the sample inventories match what render makes.

Regenerate the sample inventories with: UPDATE_SAMPLES=1 pytest tests/unit/render/test_samples.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from installer.answers import load
from installer.answers.secrets import fill
from installer.render import render

REPO = Path(__file__).resolve().parents[3]
NAMES = ["four-node", "allinone"]


def _normalised(root: Path, answers: Path, out: Path) -> dict[str, str]:
    files = {}
    for path in sorted(root.rglob("*.yml")):
        rel = str(path.relative_to(root))
        if rel.endswith("secrets.yml"):
            continue
        text = path.read_text().replace(str(out), "DEPLOY_DIR").replace(str(answers), "ANSWERS")
        text = text.replace(str(Path.home()) + "/", "~/")
        files[rel] = text
    return files


@pytest.mark.parametrize("name", NAMES)
def test_sample_answers_valid_and_inventory_current(name: str, tmp_path: Path) -> None:
    answers = tmp_path / f"{name}.yml"
    shutil.copy(REPO / "answers" / f"{name}.yml", answers)
    fill(tmp_path / f"{name}.secrets.yml")
    dep = load(answers)  # raises with every problem if the sample went stale
    out = tmp_path / "deploy"
    render(dep, out)
    fresh = _normalised(out / "inventory", answers, out)
    sample_dir = REPO / "inventories" / name
    if os.environ.get("UPDATE_SAMPLES"):
        shutil.rmtree(sample_dir, ignore_errors=True)
        for rel, text in fresh.items():
            (sample_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (sample_dir / rel).write_text(text)
    committed = {str(p.relative_to(sample_dir)): p.read_text()
                 for p in sorted(sample_dir.rglob("*.yml"))}
    assert committed == fresh, "sample inventory is stale: run UPDATE_SAMPLES=1 pytest " \
                               "tests/unit/render/test_samples.py"

"""docs/answers.md is the answer-file reference generated from the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from installer.answers.reference import REGENERATE, document
from installer.answers.schema import NODE_KEYS, SCHEMA, SECRETS

ROOT = Path(__file__).resolve().parents[3]
ANSWERS_MD = ROOT / "docs" / "answers.md"


def test_docs_answers_md_is_what_the_schema_generates() -> None:
    assert ANSWERS_MD.read_text() == document(), (
        f"docs/answers.md is stale: regenerate it with `{REGENERATE}`"
    )


def test_the_reference_names_every_key_and_secret() -> None:
    text = document()
    keys = [f"`{section}.{key}`" for section, spec in SCHEMA.items() for key in spec.keys]
    keys += [f"`nodes[].{key}`" for key in NODE_KEYS]
    keys += [f"`{name}`" for name in SECRETS]
    assert [key for key in keys if key not in text] == []


def test_the_regenerate_command_prints_the_document() -> None:
    command = REGENERATE.split(" > ")[0].split()
    out = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert out == document()

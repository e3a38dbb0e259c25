"""README.md's answer-file reference is the one generated from the schema."""

from __future__ import annotations

from pathlib import Path

from installer.answers.reference import BEGIN, END, markdown

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_reference_matches_schema() -> None:
    text = README.read_text()
    assert BEGIN in text and END in text, "README lost its reference markers"
    current = text[text.index(BEGIN): text.index(END) + len(END)]
    assert current == markdown(), (
        "README answer-file reference is stale: replace it with the output of "
        "`python -m installer.answers.reference`"
    )

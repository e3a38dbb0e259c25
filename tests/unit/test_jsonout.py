"""--json: the document alone on stdout, the consoles' output on stderr."""

from __future__ import annotations

import json

import pytest

from installer import console
from installer.jsonout import json_stdout


def test_consoles_go_to_stderr_and_the_document_to_stdout(capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    with json_stdout() as emit:
        console.out.print("progress for people")
        print("a stray print")
        emit({"status": "ok", "n": 1})
    console.out.print("after the block")
    captured = capsys.readouterr()
    first, rest = captured.out.split("}\n", 1)
    assert json.loads(first + "}") == {"status": "ok", "n": 1}
    assert rest == "after the block\n"
    assert "progress for people" in captured.err and "a stray print" in captured.err


def test_disabled_leaves_stdout_alone(capsys: pytest.CaptureFixture[str]) -> None:
    with json_stdout(enabled=False):
        console.out.print("table")
    assert capsys.readouterr().out == "table\n"

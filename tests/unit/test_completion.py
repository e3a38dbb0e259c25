"""Shell completion as the README documents it (click's _STACKINSTALL_COMPLETE)."""

from __future__ import annotations

from click.testing import CliRunner

from installer.cli import main


def _complete(words: str) -> list[str]:
    env = {"_STACKINSTALL_COMPLETE": "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}
    result = CliRunner().invoke(main, [], prog_name="stackinstall", env=env)
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


def test_bash_source_defines_the_completion_function() -> None:
    result = CliRunner().invoke(main, [], prog_name="stackinstall",
                                env={"_STACKINSTALL_COMPLETE": "bash_source"})
    assert "complete -o nosort -F _stackinstall_completion stackinstall" in result.output


def test_commands_and_options_complete() -> None:
    assert _complete("stackinstall st") == ["status"]
    assert "--keep-image" in _complete("stackinstall lab down --k")
    assert _complete("stackinstall deploy a.yml --up") == ["--upgrade"]

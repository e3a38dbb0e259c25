"""Every `stackinstall ...` command the documentation shows exists in the CLI.

The invocations are taken from README.md's and docs/*.md's code blocks and from inline code
that starts with ``stackinstall``; each command path and each ``--option`` is looked up in
click's command tree (``installer.cli.main``). The scripts README.md names must exist.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from installer.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_INLINE = re.compile(r"`(stackinstall [^`]+)`")
#: Inline code such as `deploy --upgrade` or `lab down`: a command named without the program.
_CTX = click.Context(main)
_COMMANDS = "|".join(map(re.escape, main.list_commands(_CTX)))
_SHORT = re.compile(rf"`((?:{_COMMANDS}) [^`]+)`")
_SHELL_END = {"&&", "||", "|", ";", ">", ">>", "<", "2>&1"}


def invocations(text: str) -> list[str]:
    """Each command line that runs stackinstall: from code blocks, then inline code."""
    found: list[str] = []
    for block in _FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line)
            if re.search(r"(^|[\s/])stackinstall\s", line + " "):
                found.append(line.strip())
    prose = _FENCE.sub("", text)
    found += [m.group(1) for m in _INLINE.finditer(prose)]
    found += [f"stackinstall {m.group(1)}" for m in _SHORT.finditer(prose)]
    return found


def _every_option(command: click.Command) -> set[str]:
    names = _options(command)
    if isinstance(command, click.Group):
        for name in command.list_commands(_CTX):
            names |= _every_option(command.get_command(_CTX, name))
    return names


def _options(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def problems(line: str) -> list[str]:
    """What in one command line does not exist in the CLI (empty: all of it exists)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        return [f"{line!r}: cannot be split like a shell would ({exc})"]
    start = next(i for i, w in enumerate(words) if w == "stackinstall"
                 or w.endswith("/stackinstall"))
    command: click.Command = main
    path = ["stackinstall"]
    found: list[str] = []
    for word in words[start + 1:]:
        if word in _SHELL_END or word == "--":
            break
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            if name not in _options(command):
                found.append(f"{line!r}: {' '.join(path)} has no option {name}")
        elif isinstance(command, click.Group):
            # list_commands/get_command, not .commands: the test bed's commands load lazily
            sub = command.get_command(_CTX, word)
            if sub is None:
                found.append(f"{line!r}: {' '.join(path)} has no command {word!r}")
                break
            command, path = sub, [*path, word]
    if isinstance(command, click.Group) and len(path) > 1:
        found.append(f"{line!r}: {' '.join(path)} needs a sub-command")
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_stackinstall_command_shown_exists(document: Path) -> None:
    lines = invocations(document.read_text())
    wrong = [p for line in lines for p in problems(line)]
    assert wrong == [], "\n".join(wrong)


#: Options the README shows for other programs.
FOREIGN_OPTIONS = {"--os-cloud"}  # the openstack client's


def test_every_option_the_readme_names_exists_on_some_command() -> None:
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", (ROOT / "README.md").read_text()))
    assert sorted(named - _every_option(main) - FOREIGN_OPTIONS) == []


def test_the_readme_shows_the_commands_an_operator_needs() -> None:
    lines = invocations((ROOT / "README.md").read_text())
    shown = {" ".join(shlex.split(line)[1:3]) for line in lines}
    for command in ("answers generate", "answers validate", "preflight answers.yml",
                    "deploy answers.yml", "verify answers.yml", "status answers.yml",
                    "node remove", "destroy answers.yml"):
        assert command in shown, f"README.md shows no `stackinstall {command}`"


def test_the_scripts_the_readme_names_exist() -> None:
    named = set(re.findall(r"scripts/[\w.-]+\.sh", (ROOT / "README.md").read_text()))
    assert {"scripts/quickstart-lab.sh", "scripts/run-tests.sh"} <= named
    assert [s for s in sorted(named) if not (ROOT / s).is_file()] == []


@pytest.mark.parametrize("line", [
    "stackinstall deploy answers.yml --no-such-option",
    "stackinstall answers reference",
    "stackinstall lab",
    "sudo .venv/bin/stackinstall verify answers.yml --smoke --bogus=1",
])
def test_a_command_or_option_the_cli_lacks_is_found(line: str) -> None:
    assert problems(line) != []


def test_what_follows_a_double_dash_or_a_shell_operator_is_not_checked() -> None:
    assert problems("stackinstall lab ssh openstack1 -- systemctl --no-pager status") == []
    assert problems("stackinstall status answers.yml --json | jq --raw-output .nodes") == []


def test_invocations_come_from_code_blocks_and_inline_code() -> None:
    text = ("Run `stackinstall lab up --name x` first, then `lab down`.\n\n```sh\n"
            "stackinstall deploy a.yml \\\n    --limit n1   # comment --bogus\n"
            "echo stackinstall-free\n```\n")
    assert invocations(text) == ["stackinstall deploy a.yml      --limit n1",
                                 "stackinstall lab up --name x",
                                 "stackinstall lab down"]

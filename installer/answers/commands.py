"""What the answers commands do (the CLI only parses options)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from installer import console
from installer.answers import check, thismachine
from installer.answers.generate import (
    GenerateResult,
    check_nodes,
    default_nodes,
    generate_files,
    local_node,
    parse_node,
)
from installer.answers.generate import complete_secrets as complete_secrets_of
from installer.answers.report import show
from installer.answers.source import Problem
from installer.errors import AnswerFileError, FileExistsRefusal, UsageError
from installer.jsonout import dumps


def generate(output: Path, secrets: Path | None, allinone: bool, nodes: tuple[str, ...],
             local: bool = False, address: str | None = None) -> None:
    if nodes and allinone:
        raise UsageError("--allinone and --node exclude each other",
                         hint="--allinone is one node with every role; --node lists the nodes")
    if local and (nodes or allinone):
        raise UsageError("--local takes no --node or --allinone",
                         hint="--local is one node with every role: this machine")
    if address and not local:
        raise UsageError("--address goes with --local",
                         hint="give the nodes' addresses with --node NAME=ADDRESS:ROLES")
    settings: dict[str, Any] = {}
    machine = None
    if local:
        machine = thismachine.detect(address)
        specs = [local_node(machine)]
        settings = {"network": {"management_cidr": machine.network}}
    else:
        specs = [parse_node(n) for n in nodes] if nodes else default_nodes(allinone)
    if nodes:
        check_nodes(specs)
    if output.exists():
        raise _exists(output)
    with _showing_problems():
        result = generate_files(output, secrets, nodes=specs, settings=settings)
    if not result.answers_written:  # appeared while we wrote the secrets
        raise _exists(output)
    console.success(f"wrote answer file {result.answers_path}")
    _report_secrets(result)
    if machine is not None:
        console.out.print(
            f"this machine: node {specs[0].name}, address {machine.address} "
            f"({machine.network}), every role, connection: local. Set "
            "network.provider_interface to a spare interface of this machine (its "
            f"interfaces: {', '.join(machine.interfaces) or 'none'}): the provider bridge "
            "takes it over.", markup=False, highlight=False)
    console.out.print(f"next: stackinstall answers validate {shlex.quote(str(output))}")


def complete_secrets(output: Path, secrets: Path | None, allinone: bool,
                     nodes: tuple[str, ...]) -> None:
    if nodes or allinone:
        raise UsageError("--secrets-only leaves the answer file as it is: it takes no "
                         "--node or --allinone", hint="drop them, or drop --secrets-only")
    if not output.is_file():
        raise UsageError(f"--secrets-only: answer file {output} does not exist",
                         hint=f"create it with `stackinstall answers generate -o "
                              f"{shlex.quote(str(output))}` (that writes its secrets too)")
    with _showing_problems():
        result = complete_secrets_of(output, secrets)
    console.out.print(f"{result.answers_path}: left as it is")
    _report_secrets(result)
    extra = f" --secrets {shlex.quote(str(secrets))}" if secrets else ""
    console.out.print(f"next: stackinstall answers validate {shlex.quote(str(output))}{extra}")


def _exists(output: Path) -> FileExistsRefusal:
    quoted = shlex.quote(str(output))
    return FileExistsRefusal(
        f"answer file {output} exists; answers generate never overwrites one (nothing was "
        "written)",
        hint=f"to add only the secrets missing from its secrets file run `stackinstall answers "
             f"generate --secrets-only -o {quoted}`; for a new answer file name another "
             f"file with -o",
    )


@contextmanager
def _showing_problems() -> Iterator[None]:
    try:
        yield
    except AnswerFileError as exc:
        show(exc.problems)  # type: ignore[arg-type]
        raise


def _report_secrets(result: GenerateResult) -> None:
    if result.secrets_added:
        console.success(f"secrets file {result.secrets_path} (mode 0600): added "
                        f"{len(result.secrets_added)} secret(s): "
                        f"{', '.join(result.secrets_added)}")
    else:
        console.out.print(f"{result.secrets_path}: every secret present, nothing added")


def problems_document(file: Path, problems: list[Problem]) -> dict[str, Any]:
    """``--json`` of an invalid answer file (docs/contracts.md)."""
    return {"status": "invalid", "file": str(file),
            "problems": [{"file": p.file, "line": p.line, "key": p.key, "message": p.message,
                          "fix": p.fix} for p in problems]}


def validate(file: Path, secrets: Path | None, as_json: bool = False) -> None:
    merged, spath, _values, problems = check(file, secrets)
    if problems:
        if as_json:
            click.echo(dumps(problems_document(file, problems)))
        else:
            show(problems)
        raise AnswerFileError(f"{file}: {len(problems)} problem(s) found; nothing was changed")
    assert merged is not None
    if as_json:
        click.echo(dumps({"status": "valid", "file": str(file), "secrets_file": str(spath),
                          "nodes": [n["name"] for n in merged["nodes"]],
                          "services": list(merged["services"]), "problems": []}))
        return
    console.success(f"{file} is valid: {len(merged['nodes'])} node(s), "
                    f"{len(merged['services'])} service(s); secrets in {spath}")


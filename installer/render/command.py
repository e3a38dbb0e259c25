"""What ``stackinstall render`` does: load the answer file, render, say what was written."""

from __future__ import annotations

from pathlib import Path

import click

from installer import console
from installer.answers import load
from installer.answers.commands import problems_document
from installer.answers.report import show
from installer.errors import AnswerFileError
from installer.jsonout import dumps
from installer.render import render


def run_render(file: Path, secrets: Path | None, output: Path | None,
               as_json: bool = False) -> None:
    try:
        dep = load(file, secrets)
    except AnswerFileError as exc:
        if as_json:
            click.echo(dumps(problems_document(file, exc.problems)))  # type: ignore[arg-type]
        else:
            show(exc.problems)  # type: ignore[arg-type]
        raise
    result = render(dep, output)
    if as_json:
        click.echo(dumps({"status": "rendered", "out_dir": str(result.out_dir),
                          "inventory": str(result.paths.hosts),
                          "files": [str(p) for p in result.files]}))
        return
    for notice in result.notices:
        console.out.print(notice, markup=False)
    console.success(f"rendered {len(result.files)} files into {result.out_dir}")
    console.out.print(f"  inventory: {result.paths.hosts}")
    secrets_path = result.paths.secrets.relative_to(result.out_dir)
    console.out.print(f"  secrets:   {secrets_path} (mode 0600, not shown)")

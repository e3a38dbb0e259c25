"""Show validation problems to the operator."""

from __future__ import annotations

from rich.markup import escape

from installer import console
from installer.answers.source import Problem


def show(problems: list[Problem]) -> None:
    for p in problems:
        where = f"{p.file}:{p.line}" if p.line else p.file
        key = f" [key]{escape(p.key)}[/key]" if p.key else ""
        console.err.print(f"[path]{escape(where)}[/path]{key}: {escape(p.message)}")
        console.err.print(f"    [hint]fix: {escape(p.fix)}[/hint]")

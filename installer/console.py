"""The only place that creates rich consoles: one for stdout, one for stderr, one theme."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.theme import Theme

THEME = Theme(
    {
        "ok": "green",
        "changed": "yellow",
        "failed": "bold red",
        "unreachable": "bold magenta",
        "skipped": "cyan",
        "key": "bold cyan",
        "path": "underline",
        "hint": "italic",
        "muted": "dim",
    }
)

out = Console(theme=THEME, highlight=False)
err = Console(theme=THEME, stderr=True, highlight=False)


def error(message: str, hint: str | None = None) -> None:
    err.print(f"[failed]error:[/failed] {escape(message)}")
    if hint:
        err.print(f"  [hint]hint: {escape(hint)}[/hint]")


def success(message: str) -> None:
    out.print(f"[ok]✓[/ok] {escape(message)}")


def warn(message: str) -> None:
    err.print(f"[changed]warning:[/changed] {escape(message)}")

"""Preflight output: a rich table (node, check, status, found, expected, fix) or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.markup import escape
from rich.table import Table

from installer.preflight.findings import Finding, Report, Status

_STATUS = {Status.PASS: "[ok]✓ pass[/ok]", Status.WARN: "[changed]! warn[/changed]",
           Status.FAIL: "[failed]✗ fail[/failed]"}


def _table(findings: Iterable[Finding], title: str) -> Table:
    grid = Table(title=title, title_justify="left")
    for column in ("node", "check", "status", "found", "expected", "fix"):
        grid.add_column(column, no_wrap=column in ("node", "check", "status"))
    for f in findings:
        grid.add_row(escape(f.node), escape(f.check), _STATUS[f.status], escape(f.found),
                     escape(f.expected), escape(f.fix))
    return grid


def table(report: Report) -> Table:
    """Every finding."""
    return _table(report.findings, f"Preflight ({len(report.nodes)} nodes, "
                  f"{report.duration_s:.1f} s)")


def problem_table(report: Report) -> Table:
    """Only the problems and warnings."""
    shown = [f for f in report.findings if f.status is not Status.PASS]
    return _table(shown, f"Preflight: {len(report.problems)} problem(s), "
                  f"{len(report.warnings)} warning(s)")


def passed_by_node(report: Report) -> list[str]:
    """'node: N checks passed' lines, one per node."""
    return [f"{node}: {sum(1 for f in report.findings if f.node == node and not f.problem)}"
            f" of {sum(1 for f in report.findings if f.node == node)} checks passed"
            for node in report.nodes]


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2)

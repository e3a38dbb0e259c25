"""Verification output: a check x node table, JUnit XML, and JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

from installer.verify.execute import CheckResult

SYMBOL = {"pass": "[ok]✓[/ok]", "fail": "[failed]✗[/failed]", "blocked": "[changed]![/changed]"}
NOT_APPLICABLE = "[muted]\u2013[/muted]"  # en dash


def _ordered(results: Sequence[CheckResult]) -> tuple[list[str], list[str]]:
    checks: list[str] = []
    nodes: list[str] = []
    for r in results:
        if r.check not in checks:
            checks.append(r.check)
        if r.node not in nodes:
            nodes.append(r.node)
    return checks, sorted(nodes)


def table(results: Sequence[CheckResult], nodes: Sequence[str] = ()) -> Table:
    """Rows are checks, columns are nodes: ✓ passed, ✗ failed, ! blocked by the host, en dash
    not applicable."""
    checks, seen = _ordered(results)
    columns = list(nodes) or seen
    by_key = {(r.check, r.node): r for r in results}
    grid = Table(title="Verification", title_justify="left")
    grid.add_column("check", no_wrap=True)
    for node in columns:
        grid.add_column(escape(node), justify="center")
    for name in checks:
        cells = [
            SYMBOL[by_key[(name, n)].status] if (name, n) in by_key else NOT_APPLICABLE
            for n in columns
        ]
        grid.add_row(escape(name), *cells)
    return grid


def failure_lines(results: Sequence[CheckResult]) -> list[str]:
    """'node: message (where)' for every failed check."""
    return [
        f"{r.node}: {r.check}: {r.message}" + (f" ({r.where})" if r.where else "")
        for r in results
        if not r.ok
    ]


def as_json(results: Sequence[CheckResult], nodes: Sequence[str] = ()) -> dict[str, Any]:
    checks, seen = _ordered(results)
    failed = [r for r in results if not r.ok]
    return {
        "status": "failed" if failed else "passed",
        "passed": len(results) - len(failed),
        "failed": len(failed),
        "blocked": sum(1 for r in results if r.status == "blocked"),
        "nodes": list(nodes) or seen,
        "checks": checks,
        "results": [r.as_dict() for r in results],
    }


def to_json(results: Sequence[CheckResult], nodes: Sequence[str] = ()) -> str:
    return json.dumps(as_json(results, nodes), indent=2)


def to_junit(results: Sequence[CheckResult], suite: str = "stackinstall-verify") -> str:
    """JUnit XML: one testcase per (node, check); classname is the node."""
    failures = sum(1 for r in results if not r.ok)
    total_time = sum(r.duration_s for r in results)
    root = ET.Element("testsuites", name=suite, tests=str(len(results)), failures=str(failures))
    testsuite = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{total_time:.3f}",
    )
    for r in results:
        case = ET.SubElement(
            testsuite, "testcase", classname=r.node, name=r.check, time=f"{r.duration_s:.3f}"
        )
        if r.ok:
            if r.message:
                ET.SubElement(case, "system-out").text = r.message
        else:
            failure = ET.SubElement(case, "failure", message=r.message, type="VerifyFailure")
            failure.text = f"{r.node}: {r.message}" + (f"\nsee: {r.where}" if r.where else "")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

"""Verification output: a check x node table, JSON, and the JUnit XML pytest began."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from installer.verify.result import BLOCKED, CheckResult, Progress

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


#: Narrowest the check column of the check x node table may get (it wraps below its length).
CHECK_MIN = 24
#: A node column: the node's name, a space each side and a border.
NODE_EXTRA = 3
WORD = {"pass": "pass", "fail": "FAIL", "blocked": "BLOCKED"}


def table(results: Sequence[CheckResult], nodes: Sequence[str] = (),
          width: int | None = None) -> Table:
    """Rows are checks, columns are nodes: ✓ passed, ✗ failed, ! blocked by the host, en dash
    not applicable; check names wrap, node columns never shrink. When the nodes do not fit
    in ``width`` beside a readable check column, one row per result instead (:func:`listing`).
    """
    checks, seen = _ordered(results)
    columns = list(nodes) or seen
    if width is not None and _matrix_width(checks, columns) > width:
        return listing(results, columns)
    by_key = {(r.check, r.node): r for r in results}
    grid = Table(title="Verification", title_justify="left")
    grid.add_column("check", overflow="fold", min_width=min(CHECK_MIN, _longest(checks)))
    for node in columns:
        grid.add_column(escape(node), justify="center", no_wrap=True, min_width=len(node))
    for name in checks:
        cells = [
            SYMBOL[by_key[(name, n)].status] if (name, n) in by_key else NOT_APPLICABLE
            for n in columns
        ]
        grid.add_row(escape(name), *cells)
    return grid


def _longest(names: Sequence[str]) -> int:
    return max((len(n) for n in names), default=1)


def _matrix_width(checks: Sequence[str], nodes: Sequence[str]) -> int:
    """The least width the check x node table needs without squeezing a node column."""
    return (min(CHECK_MIN, _longest(checks)) + NODE_EXTRA + 1
            + sum(len(n) + NODE_EXTRA for n in nodes))


def listing(results: Sequence[CheckResult], nodes: Sequence[str] = ()) -> Table:
    """One row per result, node by node: node, status (symbol and word), check."""
    order = {name: i for i, name in enumerate(nodes)}
    grid = Table(title="Verification", title_justify="left")
    grid.add_column("node", no_wrap=True)
    grid.add_column("status", no_wrap=True)
    grid.add_column("check", overflow="fold")
    ranked = sorted(enumerate(results), key=lambda x: (order.get(x[1].node, len(order)), x[0]))
    for _, r in ranked:
        grid.add_row(escape(r.node), f"{SYMBOL[r.status]} {WORD[r.status]}", escape(r.check))
    return grid


def progress_line(result: CheckResult) -> str:
    """One plain line for a result as it is decided: status, node, check, and for a failed or
    blocked one its message (cut at 200 characters; the full text follows the table)."""
    line = f"{WORD[result.status]:<7} {result.node}  {result.check}"
    if not result.ok and result.message:
        message = " ".join(result.message.split())
        line += f": {message[:200]}" + ("…" if len(message) > 200 else "")
    return line


def progress_to(out: Console) -> Progress:
    """A :class:`Progress` printing :func:`progress_line` on ``out`` (a log keeps each line
    whole: never wrapped at the console's width; rich flushes after each print)."""

    def tell(result: CheckResult) -> None:
        out.print(progress_line(result), markup=False, highlight=False, soft_wrap=True)

    return tell


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


SUITE = "stackinstall-verify"


def _as_before(case: ET.Element) -> None:
    """A testcase pytest wrote, given what verify's JUnit always had: the passing check's
    message as ``system-out``, a failure's type and its text ``node: message / see: where``."""
    props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
    failure = case.find("failure")
    if failure is not None and failure.get("type") is None:
        failure.set("type", "VerifyFailure")
        where = props.get("where")
        failure.text = (f"{case.get('classname')}: {failure.get('message')}"
                        + (f"\nsee: {where}" if where else ""))
    elif (len(case) == 1 and case.find("properties") is not None and props.get("message")):
        ET.SubElement(case, "system-out").text = props["message"]


def extend_junit(path: Path, extra: Sequence[CheckResult]) -> None:
    """Add ``extra`` (results pytest did not produce: smoke, browser, tempest) to the JUnit
    XML pytest wrote at ``path`` (or start one), one testcase per (node, check) with the node
    as classname, and set the totals on ``testsuites``."""
    try:
        root = ET.parse(path).getroot()
    except (FileNotFoundError, ET.ParseError):
        root = ET.Element("testsuites")
    suite = root.find("testsuite")
    if suite is None:
        suite = ET.SubElement(root, "testsuite", name=SUITE, errors="0", failures="0",
                              skipped="0", tests="0", time="0.000")
    for case in suite.findall("testcase"):
        _as_before(case)
    for r in extra:
        case = ET.SubElement(suite, "testcase", classname=r.node, name=r.check,
                             time=f"{r.duration_s:.3f}")
        if r.status == BLOCKED:
            ET.SubElement(case, "skipped", type="blocked", message=r.message).text = r.message
        elif not r.ok:
            failure = ET.SubElement(case, "failure", message=r.message)
            failure.text = f"{r.node}: {r.message}" + (f"\nsee: {r.where}" if r.where else "")
        elif r.message:
            ET.SubElement(case, "system-out").text = r.message
    cases = suite.findall("testcase")
    counts = {"failures": len([c for c in cases if c.find("failure") is not None]),
              "errors": len([c for c in cases if c.find("error") is not None]),
              "skipped": len([c for c in cases if c.find("skipped") is not None])}
    suite.set("tests", str(len(cases)))
    for key, value in counts.items():
        suite.set(key, str(value))
    added = sum(r.duration_s for r in extra)
    suite.set("time", f"{float(suite.get('time') or 0) + added:.3f}")
    root.set("name", SUITE)
    root.set("tests", str(len(cases)))
    root.set("failures", str(counts["failures"] + counts["errors"]))
    ET.indent(root)
    path.write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n",
                    encoding="utf-8")

"""Verification output: a check x node table, JSON, and the JUnit XML pytest began."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from installer.verify.result import BLOCKED, CheckResult

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

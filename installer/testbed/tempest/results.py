"""A tempest run's tests as verify results: one per failed test, and one summary.

Failed tests are named ``tempest: <test id>`` without tempest's attribute suffix
(``[id-...,smoke]``), so a name stays the same from run to run; the message is the last
meaningful line of the failure (the final exception and its details, not the frames).
The summary ``tempest: N passed, M failed, K skipped (<selection>)`` passes only when no
test failed and at least one passed; its message lists every skipped test with its reason,
those excluded by the skip list included (as such: they never count as passed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from installer.testbed.tempest.skips import SkipEntry
from installer.testbed.tempest.subunit import Stream, TestResult
from installer.verify.result import FAIL, PASS, CheckResult

MESSAGE_LIMIT = 400
PASSED = frozenset({"success", "xfail"})
FAILED = frozenset({"fail", "uxsuccess", "inprogress"})
_ATTRIBUTES = re.compile(r"\[[^\[\]]*\]$")
_FRAME = re.compile(r"^\s")
_CHAIN = ("During handling of the above exception", "The above exception was the direct cause")


def short_name(test_id: str) -> str:
    """``tempest.api.x.Test.test_y[id-...,smoke]`` -> ``tempest.api.x.Test.test_y``."""
    return _ATTRIBUTES.sub("", test_id.strip())


def failure_line(traceback: str) -> str:
    """The final exception of a traceback with its message (every line of it, joined)."""
    lines = [line.rstrip() for line in traceback.splitlines()]
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if starts:
        tail = lines[starts[-1] + 1:]
        first = next((i for i, line in enumerate(tail) if line and not _FRAME.match(line)),
                     len(tail))
        text = [line.strip() for line in tail[first:]
                if line.strip() and not line.startswith(_CHAIN)]
    else:
        text = [line.strip() for line in lines if line.strip()][-1:]
    # tempest's Details are a dict's repr: its escaped newlines and quotes read as text
    joined = " ".join(text).replace("\\n", " ").replace("\\'", "'")
    joined = re.sub(r"\s+", " ", joined).strip()
    if len(joined) > MESSAGE_LIMIT:
        joined = joined[:MESSAGE_LIMIT - 3] + "..."
    return joined


def _failure_message(test: TestResult) -> str:
    if test.status == "uxsuccess":
        return "passed, but it is marked as an expected failure (unexpected success)"
    if test.status == "inprogress":
        return "did not finish: the run stopped during this test"
    details = test.attachments.get("traceback") or next(
        (v for k, v in test.attachments.items() if k not in ("reason",) and v.strip()), "")
    return failure_line(details) or "failed without a traceback (see run.log)"


@dataclass
class Tally:
    """The tests of one run, sorted into passed, failed and skipped (with reasons)."""

    passed: list[TestResult] = field(default_factory=list)
    failed: list[TestResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (test name, reason)
    excluded: list[tuple[str, str]] = field(default_factory=list)  # by the skip list

    @property
    def skipped_total(self) -> int:
        return len(self.skipped) + len(self.excluded)


def tally(stream: Stream, excluded: Mapping[str, SkipEntry] | None = None) -> Tally:
    found = Tally()
    for test in stream.tests.values():
        if test.status in PASSED:
            found.passed.append(test)
        elif test.status in FAILED:
            found.failed.append(test)
        elif test.status == "skip":
            reason = " ".join(test.attachments.get("reason", "").split()) or "no reason given"
            found.skipped.append((short_name(test.test_id), reason))
    ran = set(stream.tests)
    for test_id, entry in (excluded or {}).items():
        if test_id not in ran:
            found.excluded.append((short_name(test_id), f"skip list line {entry.line}: "
                                                       f"{entry.reason}"))
    return found


def summary_name(found: Tally, label: str) -> str:
    return (f"tempest: {len(found.passed)} passed, {len(found.failed)} failed, "
            f"{found.skipped_total} skipped ({label})")


def results(
    stream: Stream,
    *,
    node: str,
    label: str,
    where: str,
    duration_s: float,
    excluded: Mapping[str, SkipEntry] | None = None,
    notes: tuple[str, ...] = (),
) -> list[CheckResult]:
    """One failed result per failed test, then the summary."""
    found = tally(stream, excluded)
    out = [
        CheckResult(f"tempest: {short_name(t.test_id)}", node, FAIL, _failure_message(t), where,
                    t.duration_s)
        for t in found.failed
    ]
    parts = [f"{len(found.passed)} passed, {len(found.failed)} failed, "
             f"{found.skipped_total} skipped in {duration_s / 60:.1f} min"]
    if not found.passed and not found.failed:
        parts.append("no test ran: see run.log")
    elif not found.passed:
        parts.append("no test passed")
    if stream.corrupt_packets:
        parts.append(f"{stream.corrupt_packets} damaged subunit packet(s) skipped")
    if found.skipped:
        parts.append("skipped: " + "; ".join(f"{n} ({r})" for n, r in found.skipped))
    if found.excluded:
        parts.append("excluded by the skip list: "
                     + "; ".join(f"{n} ({r})" for n, r in found.excluded))
    parts += list(notes)
    ok = not found.failed and bool(found.passed)
    out.append(CheckResult(summary_name(found, label), node, PASS if ok else FAIL,
                           "; ".join(parts), where, duration_s))
    return out


def as_records(stream: Stream, excluded: Mapping[str, SkipEntry] | None = None
               ) -> list[dict[str, Any]]:
    """Every test as a plain record, for ``tempest/results.json`` in the artifacts."""
    records: list[dict[str, Any]] = []
    for test in stream.tests.values():
        if test.status == "exists":
            continue
        record: dict[str, Any] = {"id": test.test_id, "name": short_name(test.test_id),
                                  "status": test.status, "duration_s": round(test.duration_s, 3)}
        if test.status in FAILED:
            record["failure"] = _failure_message(test)
        if test.status == "skip":
            record["reason"] = " ".join(test.attachments.get("reason", "").split())
        records.append(record)
    for test_id, entry in (excluded or {}).items():
        if test_id not in stream.tests:
            records.append({"id": test_id, "name": short_name(test_id), "status": "excluded",
                            "duration_s": 0.0, "reason": entry.reason,
                            "skip_list_line": entry.line})
    return records


def trace_text(stream: Stream) -> str:
    """A readable log of the run: one line per test, then each failure's traceback."""
    lines = [f"{t.status:<10} {t.duration_s:8.1f} s  {t.test_id}"
             for t in stream.tests.values() if t.status != "exists"]
    for test in stream.tests.values():
        if test.status in FAILED:
            # the traceback only: each test's own log is in tempest.log.gz and run.subunit
            lines += ["", "=" * 70, f"{test.status.upper()}: {test.test_id}", "-" * 70,
                      test.attachments.get("traceback", "").rstrip() or _failure_message(test)]
    return "\n".join(lines) + "\n"

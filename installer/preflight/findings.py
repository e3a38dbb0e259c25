"""What a check says about a node: one finding, and the report of all of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    #: worth knowing, not a problem (e.g. a hostname the bootstrap phase will set)
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """One check on one node: what was found, what was expected, and the fix."""

    node: str
    check: str
    status: Status
    found: str
    expected: str
    fix: str = ""

    @property
    def problem(self) -> bool:
        return self.status is Status.FAIL


def passed(node: str, check: str, found: str, expected: str) -> Finding:
    return Finding(node, check, Status.PASS, found, expected)


def failed(node: str, check: str, found: str, expected: str, fix: str) -> Finding:
    return Finding(node, check, Status.FAIL, found, expected, fix)


def warned(node: str, check: str, found: str, expected: str, fix: str) -> Finding:
    return Finding(node, check, Status.WARN, found, expected, fix)


@dataclass
class Report:
    """Every finding on every node, in node order, and how long it took."""

    nodes: list[str]
    findings: list[Finding] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.status is Status.WARN]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "passed" if self.ok else "failed",
            "problems": len(self.problems),
            "warnings": len(self.warnings),
            "nodes": list(self.nodes),
            "duration_s": round(self.duration_s, 3),
            "results": [{**asdict(f), "status": str(f.status)} for f in self.findings],
        }

"""One check's result on one node: what every part of verify reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PASS = "pass"
FAIL = "fail"
#: The host cannot run the step; the message says why. Never counted as passed.
BLOCKED = "blocked"


@dataclass(frozen=True)
class CheckResult:
    check: str
    node: str
    status: str
    message: str
    where: str = ""
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == PASS

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_s"] = round(self.duration_s, 3)
        return data

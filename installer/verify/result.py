"""One check's result on one node: what every part of verify reports, and the hook that
hears of each result as soon as it is decided (:class:`Progress`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

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


class Progress(Protocol):
    """Told of each result the moment it is decided: a node check as pytest finishes it, a
    smoke step as it ends, a browser or tempest result as it arrives.

    Any part of verify that takes minutes (the node checks, the workload smoke, tempest)
    calls it once per result, so a log shows what is done while the rest still runs.
    """

    def __call__(self, result: CheckResult) -> None: ...


def unheard(result: CheckResult) -> None:
    """The :class:`Progress` that tells no one (the default)."""

"""Turn a failed task's result into the few lines an operator needs to read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

MAX_LINES = 15
_USELESS_EXCEPTIONS = {"", "(traceback unavailable)"}
_CENSORED_HINT = (
    "the task's output is hidden (no_log: true) because it handles secrets; "
    "read the task in the role named above"
)


@dataclass(frozen=True)
class TaskFailure:
    """One host failing one task (or being unreachable) in one phase."""

    phase: str
    host: str
    task: str
    role: str
    task_path: str
    message: str
    unreachable: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _lines(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value).splitlines()


def _tail(lines: Sequence[str], limit: int = MAX_LINES) -> list[str]:
    kept = [line.rstrip() for line in lines if line.strip()]
    if len(kept) > limit:
        return [f"... ({len(kept) - limit} earlier lines in the log)", *kept[-limit:]]
    return kept


def _item_label(item: Mapping[str, Any]) -> str:
    label = item.get("_ansible_item_label", item.get("item"))
    if isinstance(label, Mapping):
        label = label.get("name", label)
    return str(label)


def error_lines(res: Mapping[str, Any]) -> list[str]:
    """The useful part of a module result, most telling first.

    ``msg`` first, then the command's ``stderr`` (or ``stdout`` when a command failed
    silently on stderr), a crashed module's ``module_stderr``/``module_stdout``, and for
    loops the failing items, each labelled. Invocation arguments and tracebacks are left
    to the full log.
    """
    if "censored" in res:
        return [_CENSORED_HINT]
    lines: list[str] = []
    msg = res.get("msg")
    msg_lines = _lines(msg)
    lines.extend(msg_lines)
    stderr = _tail(_lines(res.get("stderr")))
    if stderr and stderr != msg_lines:
        lines.extend(stderr)
    elif res.get("rc") not in (None, 0) and not stderr:
        lines.extend(_tail(_lines(res.get("stdout"))))
    for key in ("module_stderr", "module_stdout"):
        if res.get(key):
            lines.extend(_tail(_lines(res[key])))
    if res.get("rc") not in (None, 0):
        lines.append(f"(exit code {res['rc']})")
    results = res.get("results")
    if isinstance(results, list):
        for item in results:
            if not isinstance(item, Mapping) or not (item.get("failed") or "censored" in item):
                continue
            sub = error_lines(item) if "censored" not in item else [_CENSORED_HINT]
            if sub == msg_lines:
                continue
            lines.append(f"item {_item_label(item)}: {sub[0] if sub else 'failed'}")
            lines.extend(f"  {s}" for s in sub[1:])
    if not lines:
        exception = str(res.get("exception", "")).strip()
        if exception not in _USELESS_EXCEPTIONS:
            lines.extend(_tail(exception.splitlines(), 5))
    return _dedupe(lines) or ["the task failed without a message; see the full log"]


def _dedupe(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        if line in seen:
            continue
        seen.add(line)
        kept.append(line)
    return kept


def from_event(phase: str, event: Mapping[str, Any]) -> TaskFailure:
    """Build a failure from a ``runner_on_failed`` / ``runner_on_unreachable`` event."""
    data = event.get("event_data", {})
    res = data.get("res") or {}
    return TaskFailure(
        phase=phase,
        host=str(data.get("host", "?")),
        task=str(data.get("task") or data.get("task_action") or "?"),
        role=str(data.get("role") or ""),
        task_path=str(data.get("task_path") or ""),
        message="\n".join(error_lines(res)),
        unreachable=event.get("event") == "runner_on_unreachable",
    )

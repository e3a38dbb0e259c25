"""Where a run's time went: its slowest tasks, read back from the run's job events.

A task's wall time runs from its first host's start to its last host's end (the hosts of a
phase run each task together), so the slowest tasks are what a faster re-run must shorten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from installer.deploy.phases import phase_of_play
from installer.deploy.plan import read_events

#: Events that close a task on one host, with its start and end.
_RESULTS = frozenset({"runner_on_ok", "runner_on_failed", "runner_on_skipped",
                      "runner_on_unreachable"})


@dataclass(frozen=True)
class TaskTime:
    phase: str
    task: str
    role: str
    wall_s: float
    hosts: int
    #: the host on which the task took longest, and how long
    busiest: str
    busiest_s: float


def _stamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def task_times(events: Iterable[Mapping[str, Any]], phase: str) -> list[TaskTime]:
    """One entry per task of ``events`` that reported a result with its times."""
    spans: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.get("event") not in _RESULTS:
            continue
        data = event.get("event_data") or {}
        start, end = _stamp(data.get("start")), _stamp(data.get("end"))
        if start is None or end is None:
            continue
        key = str(data.get("task_uuid") or data.get("task"))
        span = spans.setdefault(key, {"task": str(data.get("task", "")),
                                      "role": str(data.get("role", "")),
                                      "start": start, "end": end, "hosts": {}})
        span["start"], span["end"] = min(span["start"], start), max(span["end"], end)
        host = str(data.get("host", ""))
        span["hosts"][host] = span["hosts"].get(host, 0.0) + (end - start).total_seconds()
    times = []
    for span in spans.values():
        busiest = max(span["hosts"], key=span["hosts"].get)
        times.append(TaskTime(phase, span["task"], span["role"],
                              (span["end"] - span["start"]).total_seconds(),
                              len(span["hosts"]), busiest, span["hosts"][busiest]))
    return times


def by_phase(events: Iterable[Mapping[str, Any]], first: str) -> dict[str, list[Any]]:
    """A run's events by phase, told by the names of their plays (``Infra | ...``).

    Events before any phase's own play (and a run of a playbook outside the phases) belong
    to ``first``; the facts play at the start of a phase counts with the phase before.
    """
    phases: dict[str, list[Any]] = {}
    current = first
    for event in events:
        play = str((event.get("event_data") or {}).get("play") or "")
        current = phase_of_play(play) or current
        phases.setdefault(current, []).append(event)
    return phases


def slowest(run_dir: Path, phases: Sequence[str], top: int = 10) -> list[TaskTime]:
    """The ``top`` tasks of the run's ``phases`` by wall time, slowest first."""
    times: list[TaskTime] = []
    grouped = by_phase(read_events(run_dir), phases[0] if phases else "")
    for phase in phases:
        times += task_times(grouped.get(phase, []), phase)
    return sorted(times, key=lambda t: t.wall_s, reverse=True)[:top]

"""Follow ansible-runner events: current phase/task, per-host progress, stats, failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from installer.deploy.failures import TaskFailure, from_event
from installer.deploy.phases import is_facts_play, is_gate_play, phase_of_play

#: ``playbook_on_stats`` keys -> our counter names.
_STATS_KEYS = {
    "ok": "ok",
    "changed": "changed",
    "failures": "failed",
    "dark": "unreachable",
    "skipped": "skipped",
    "rescued": "rescued",
    "ignored": "ignored",
}
_TASK_START = {"playbook_on_task_start", "playbook_on_handler_task_start"}
_KEEP_TAIL = 20


@dataclass
class HostCounts:
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0

    def add(self, other: HostCounts) -> None:
        for name in _STATS_KEYS.values():
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def minus(self, other: HostCounts) -> HostCounts:
        """What is left of these counts after ``other`` (never below 0)."""
        return HostCounts(**{name: max(0, getattr(self, name) - getattr(other, name))
                             for name in _STATS_KEYS.values()})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def broken(self) -> bool:
        return bool(self.failed or self.unreachable)


@dataclass
class HostLive:
    """What the live display shows for one host."""

    counts: HostCounts = field(default_factory=HostCounts)
    state: str = "waiting"
    task: str = ""
    #: the tracker's clock when ``task`` started on this host
    since: float = 0.0


@dataclass
class PhaseRecord:
    name: str
    status: str = "running"
    duration_s: float = 0.0
    hosts: dict[str, HostCounts] = field(default_factory=dict)
    failures: list[TaskFailure] = field(default_factory=list)
    output_tail: list[str] = field(default_factory=list)
    #: host -> the handlers that ran there (service restarts and reloads)
    handlers: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "duration_s": round(self.duration_s, 2),
            "hosts": {h: c.as_dict() for h, c in sorted(self.hosts.items())},
            "failures": [f.as_dict() for f in self.failures],
            "handlers": {h: names for h, names in sorted(self.handlers.items())},
        }


def stats_to_counts(event_data: Mapping[str, Any]) -> dict[str, HostCounts]:
    """Per-host counters from a ``playbook_on_stats`` event's data."""
    hosts: dict[str, HostCounts] = {}
    for key, name in _STATS_KEYS.items():
        for host, value in (event_data.get(key) or {}).items():
            counts = hosts.setdefault(host, HostCounts())
            setattr(counts, name, int(value))
    for host in event_data.get("processed") or {}:
        hosts.setdefault(host, HostCounts())
    return hosts


class RunTracker:
    """Consumes the events of a run; safe to read from a display thread.

    A run may hold several phases (``follow``): the tracker then moves from one phase to
    the next by the names of the plays, and tells ``on_phase_done`` about each phase it
    closes on the way.
    """

    def __init__(
        self,
        on_stdout: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self.on_stdout = on_stdout
        self.on_phase_done: Callable[[PhaseRecord], None] | None = None
        self._following: list[str] = []
        self._own_play_seen = False
        self._closed: list[PhaseRecord] = []
        self._run_first = 0
        #: host -> what the gate plays between phases counted (not a phase's work)
        self._gate_counts: dict[str, HostCounts] = {}
        self._in_gate = False
        self._clock = clock
        self._phase_started = 0.0
        self._pending: list[TaskFailure] = []
        self.started = clock()
        self.phases: list[PhaseRecord] = []
        self.hosts: dict[str, HostLive] = {}
        self.play = ""
        self.task = ""
        self._notified: set[tuple[str, str]] = set()

    # -- phase boundaries -------------------------------------------------
    @property
    def current(self) -> PhaseRecord | None:
        return self.phases[-1] if self.phases else None

    def start_phase(self, name: str) -> None:
        """A run of one phase is about to start."""
        self.follow([name])

    def follow(self, phases: Sequence[str]) -> None:
        """The run about to start holds ``phases``, in order: open the first one."""
        with self._lock:
            self._following = list(phases)
            self._run_first = len(self.phases)
            self._open(phases[0])

    def _open(self, name: str) -> None:
        self.phases.append(PhaseRecord(name=name))
        self._phase_started = self._clock()
        self._pending = []
        self._own_play_seen = False
        self.play = self.task = ""

    def _next_phase(self, play: str) -> str | None:
        """The phase a starting play moves the run on to, if it does."""
        record = self.current
        if not self._following or record is None or record.name not in self._following:
            return None
        later = self._following[self._following.index(record.name) + 1:]
        own = phase_of_play(play)
        if own is not None:
            if own == record.name:
                self._own_play_seen = True
            return own if own in later else None
        if is_facts_play(play) and self._own_play_seen and later:
            return later[0]  # each phase playbook gathers facts first
        return None

    def _move_on(self, name: str) -> None:
        record = self.phases[-1]
        record.duration_s = self._clock() - self._phase_started
        record.status = "successful"  # a failure would have stopped the run at the gate
        for failure in self._pending:  # so each failure of this phase was rescued
            counts = record.hosts.get(failure.host)
            if counts is not None and counts.failed:
                counts.failed -= 1
                counts.rescued += 1
        self._closed.append(record)
        self._open(name)

    def finish_phase(self, status: str) -> PhaseRecord:
        with self._lock:
            record = self.phases[-1]
            record.duration_s = self._clock() - self._phase_started
            record.status = status
            if status != "successful" and not record.failures:
                record.failures = (self._fatal_failures(record.hosts) or list(self._pending)
                                   or self._still_running(record.name))
            return record

    def _still_running(self, phase: str) -> list[TaskFailure]:
        """The task each host was in when a run was stopped from outside (timeout, signal)."""
        now = self._clock()
        return [
            TaskFailure(
                phase=phase, host=host, task=live.task, role=live.task.split(" : ", 1)[0]
                if " : " in live.task else "", task_path="",
                message=f"still running after {now - live.since:.0f} s when the run was "
                "stopped; this task did not finish",
            )
            for host, live in sorted(self.hosts.items())
            if live.state == "running"
        ]

    # -- events -------------------------------------------------------------
    def handle(self, event: Mapping[str, Any]) -> bool:
        """ansible-runner ``event_handler``: update state; True keeps the event on disk."""
        with self._lock:
            self._apply(event)
            closed, self._closed = self._closed, []
        stdout = event.get("stdout")
        if stdout and self.on_stdout:
            self.on_stdout(stdout)
        for record in closed:
            if self.on_phase_done:
                self.on_phase_done(record)
        return True

    def _apply(self, event: Mapping[str, Any]) -> None:
        kind = str(event.get("event", ""))
        data: Mapping[str, Any] = event.get("event_data") or {}
        record = self.current
        if record is None:
            return
        host = data.get("host")
        live = self.hosts.setdefault(str(host), HostLive()) if host else None
        if kind == "playbook_on_play_start":
            play = str(data.get("play") or data.get("name") or "")
            self._in_gate = is_gate_play(play)
            following = None if self._in_gate else self._next_phase(play)
            if following is not None:
                self._move_on(following)
                record = self.phases[-1]
            self.play = play
        elif self._in_gate:  # plumbing between two phases, not a step to show or count
            if live and kind.startswith("runner_on_"):
                self._count_gate(str(host), kind)
        elif kind in _TASK_START:
            self.task = _task_label(data)

        elif kind == "runner_on_start" and live:
            live.state, live.task, live.since = "running", _task_label(data), self._clock()
        elif kind == "runner_on_ok" and live:
            changed = bool((data.get("res") or {}).get("changed"))
            live.counts.ok += 1
            live.counts.changed += int(changed)
            counts = record.hosts.setdefault(str(host), HostCounts())
            counts.ok += 1
            counts.changed += int(changed)
            live.state = "changed" if changed else "ok"
            name = str(data.get("task") or "")
            if changed and (str(host), name) in self._notified:
                ran = record.handlers.setdefault(str(host), [])
                if name not in ran:
                    ran.append(name)

        elif kind == "runner_on_skipped" and live:
            live.counts.skipped += 1
            record.hosts.setdefault(str(host), HostCounts()).skipped += 1
            live.state = "skipped"
        elif kind == "runner_on_failed" and live:
            counts = record.hosts.setdefault(str(host), HostCounts())
            if data.get("ignore_errors"):
                live.counts.ignored += 1
                counts.ignored += 1
            else:
                live.counts.failed += 1
                counts.failed += 1
                live.state = "failed"
                self._pending.append(from_event(record.name, event))
        elif kind == "runner_on_unreachable" and live:
            live.counts.unreachable += 1
            record.hosts.setdefault(str(host), HostCounts()).unreachable += 1
            live.state = "unreachable"
            self._pending.append(from_event(record.name, event))
        elif kind == "playbook_on_notify" and host:
            # a handler is due on this host; whether it changes anything is its own result
            self._notified.add((str(host), str(data.get("handler") or "").split(" : ", 1)[-1]))
        elif kind == "playbook_on_stats":
            # the recap covers the whole run: what earlier phases of it counted is theirs
            earlier = self.phases[self._run_first:-1]
            record.hosts = _left_after(stats_to_counts(data),
                                       [*(r.hosts for r in earlier), self._gate_counts])
            record.failures = self._fatal_failures(record.hosts)
        elif kind in {"verbose", "error", "warning", "deprecated"} and event.get("stdout"):
            record.output_tail = [
                *record.output_tail,
                *str(event["stdout"]).splitlines(),
            ][-_KEEP_TAIL:]

    def _count_gate(self, host: str, kind: str) -> None:
        """A gate's result: not the phase's work; a failed gate ends the run's phases."""
        counts = self._gate_counts.setdefault(host, HostCounts())
        if kind == "runner_on_failed":
            counts.failed += 1
            self._following = []
        elif kind == "runner_on_ok":
            counts.ok += 1
        elif kind == "runner_on_skipped":
            counts.skipped += 1

    def _fatal_failures(self, hosts: Mapping[str, HostCounts]) -> list[TaskFailure]:
        """The last failure of each host the recap says failed (earlier ones were rescued)."""
        last: dict[str, TaskFailure] = {}
        for failure in self._pending:
            counts = hosts.get(failure.host)
            if counts is None or counts.broken:
                last[failure.host] = failure
        return list(last.values())

    # -- totals -------------------------------------------------------------
    def totals(self) -> dict[str, HostCounts]:
        """Per-host counters summed over every finished phase."""
        with self._lock:
            totals: dict[str, HostCounts] = {}
            for record in self.phases:
                for host, counts in record.hosts.items():
                    totals.setdefault(host, HostCounts()).add(counts)
            return totals

    def failures(self) -> list[TaskFailure]:
        with self._lock:
            return [f for record in self.phases for f in record.failures]

    def elapsed(self) -> float:
        return self._clock() - self.started

    def snapshot(self) -> tuple[str, str, str, dict[str, HostLive]]:
        """(phase, play, task, hosts) copied under the lock, for the display thread."""
        with self._lock:
            phase = self.current.name if self.current else ""
            hosts = {
                h: HostLive(HostCounts(**v.counts.as_dict()), v.state, v.task)
                for h, v in self.hosts.items()
            }
            return phase, self.play, self.task, hosts


def _left_after(run: dict[str, HostCounts],
                earlier: Sequence[Mapping[str, HostCounts]]) -> dict[str, HostCounts]:
    """A run's recap less what its earlier phases and its gates counted from their events."""
    left = {}
    for host, counts in run.items():
        for seen in earlier:
            if host in seen:
                counts = counts.minus(seen[host])
        left[host] = counts
    return left


def _task_label(data: Mapping[str, Any]) -> str:
    task = str(data.get("task") or data.get("task_action") or "")
    role = data.get("role")
    return f"{role} : {task}" if role and not task.startswith(f"{role} :") else task

"""The end of a run: per-host and per-phase tables, the failure report, summary.json."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from installer.deploy.display import format_elapsed
from installer.deploy.events import HostCounts, PhaseRecord
from installer.deploy.failures import TaskFailure

COUNTER_COLUMNS = ("ok", "changed", "failed", "unreachable", "skipped")


@dataclass
class RunSummary:
    status: str
    started: str
    finished: str
    duration_s: float
    run_dir: Path
    deploy_dir: Path
    phases: list[PhaseRecord]
    hosts: dict[str, HostCounts]
    failures: list[TaskFailure]
    check_mode: bool = False
    resume_command: str | None = None
    secret_leaks: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
            "duration_s": round(self.duration_s, 2),
            "run_dir": str(self.run_dir),
            "deploy_dir": str(self.deploy_dir),
            "check_mode": self.check_mode,
            "phases": [p.as_dict() for p in self.phases],
            "hosts": {h: c.as_dict() for h, c in sorted(self.hosts.items())},
            "failures": [f.as_dict() for f in self.failures],
            "resume_command": self.resume_command,
            "secret_leaks": self.secret_leaks,
        }

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")


def hosts_table(hosts: Mapping[str, HostCounts]) -> Table:
    table = Table(title="Hosts", title_justify="left")
    table.add_column("host")
    for name in COUNTER_COLUMNS:
        table.add_column(name, justify="right")
    for host, c in sorted(hosts.items()):
        values = c.as_dict()
        cells = [
            f"[{name}]{values[name]}[/{name}]" if values[name] else "0"
            for name in COUNTER_COLUMNS
        ]
        table.add_row(escape(host), *cells)
    return table


def phases_table(phases: Sequence[PhaseRecord]) -> Table:
    table = Table(title="Phases", title_justify="left")
    table.add_column("phase")
    table.add_column("status")
    table.add_column("time", justify="right")
    for record in phases:
        style = "ok" if record.status == "successful" else "failed"
        table.add_row(
            record.name,
            f"[{style}]{escape(record.status)}[/{style}]",
            format_elapsed(record.duration_s),
        )
    return table


def handlers_line(phases: Sequence[PhaseRecord]) -> str:
    """Which handlers (service restarts and reloads) ran where, over every phase."""
    ran: dict[str, list[str]] = {}
    for record in phases:
        for host, names in record.handlers.items():
            mine = ran.setdefault(host, [])
            mine += [n for n in names if n not in mine]
    if not ran:
        return "restarted: nothing (no handler ran)"
    return "restarted: " + "; ".join(f"{host}: {', '.join(names)}"
                                     for host, names in sorted(ran.items()))


def print_summary(console: Console, summary: RunSummary) -> None:
    console.print(hosts_table(summary.hosts))
    console.print(phases_table(summary.phases))
    console.print(escape(handlers_line(summary.phases)))
    console.print(
        f"run {escape(summary.status)} in {format_elapsed(summary.duration_s)}; "
        f"log and artifacts: [path]{escape(str(summary.run_dir))}[/path]"
    )


def failure_report(
    failures: Sequence[TaskFailure],
    phase_tail: Sequence[str],
    mask: Callable[[str], str],
) -> list[str]:
    """Plain lines naming host, task and error for each failure (masked)."""
    lines: list[str] = []
    for f in failures:
        what = "UNREACHABLE" if f.unreachable else "FAILED"
        where = f" ({f.task_path})" if f.task_path else ""
        task = f"{f.role} : {f.task}" if f.role and not f.task.startswith(f.role) else f.task
        lines.append(f"{what}: host {f.host}, phase {f.phase}, task '{task}'{where}")
        lines.extend(f"    {mask(line)}" for line in f.message.splitlines())
    if not failures and phase_tail:
        lines.append("Ansible stopped before running tasks:")
        lines.extend(f"    {mask(line)}" for line in phase_tail if line.strip())
    return lines

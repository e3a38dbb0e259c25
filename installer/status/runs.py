"""The last deploy run of a deployment directory: ``runs/<UTC timestamp>/summary.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer.paths import DeployPaths


@dataclass(frozen=True)
class LastRun:
    run_dir: Path
    status: str  # successful | failed | unfinished (no summary.json: running or killed)
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    check_mode: bool = False
    phases: tuple[dict[str, Any], ...] = ()  # {name, status, duration_s}
    failures: int = 0
    resume_command: str | None = None
    changed: dict[str, int] = field(default_factory=dict)  # host -> changed tasks

    def as_dict(self) -> dict[str, Any]:
        return {"run_dir": str(self.run_dir), "status": self.status, "started": self.started,
                "finished": self.finished, "duration_s": self.duration_s,
                "check_mode": self.check_mode, "phases": list(self.phases),
                "failures": self.failures, "resume_command": self.resume_command,
                "changed": dict(self.changed)}


def last_run(deploy_dir: Path) -> LastRun | None:
    """The newest run directory (names sort by start time), or None without any run."""
    runs = DeployPaths(deploy_dir).runs
    dirs = sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []
    if not dirs:
        return None
    newest = dirs[-1]
    try:
        data = json.loads((newest / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return LastRun(run_dir=newest, status="unfinished")
    return LastRun(
        run_dir=newest,
        status=str(data.get("status", "unknown")),
        started=data.get("started"),
        finished=data.get("finished"),
        duration_s=data.get("duration_s"),
        check_mode=bool(data.get("check_mode", False)),
        phases=tuple({"name": p.get("name"), "status": p.get("status"),
                      "duration_s": p.get("duration_s")} for p in data.get("phases", [])),
        failures=len(data.get("failures", [])),
        resume_command=data.get("resume_command"),
        changed={h: int(c.get("changed", 0)) for h, c in data.get("hosts", {}).items()},
    )

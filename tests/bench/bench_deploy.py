"""Benchmark: wall time of a deploy and of the no-change re-run, per phase (prints figures).

Run (as root, against a lab that is up):
    /opt/si-venv/bin/python tests/bench/bench_deploy.py [ANSWERS] [--phase NAME ...]
ANSWERS defaults to the ``dv`` lab's answer file; phases default to bootstrap and infra.
The first run is only a "first deploy" on fresh nodes; on a deployed lab both runs are
re-runs. Figures come from each run's summary.json; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

DEFAULT_ANSWERS = Path("/var/lib/stackinstall/lab/dv/answers.yml")


def _deploy_dir(answers: Path) -> Path:
    name = yaml.safe_load(answers.read_text())["deployment"]["name"]
    return answers.parent / "deployments" / name


def _deploy(answers: Path, phases: list[str]) -> tuple[float, dict]:
    argv = [sys.executable, "-m", "installer", "deploy", str(answers)]
    for phase in phases:
        argv += ["--phase", phase]
    runs = _deploy_dir(answers) / "runs"
    before = set(runs.iterdir()) if runs.is_dir() else set()
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    new = sorted(set(runs.iterdir()) - before) if runs.is_dir() else []
    if proc.returncode != 0 or not new:
        sys.exit(f"deploy failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr}")
    return wall, json.loads((new[-1] / "summary.json").read_text())


def _report(label: str, wall: float, summary: dict) -> None:
    changed = sum(h["changed"] for h in summary["hosts"].values())
    print(f"{label}: wall {wall:.1f} s (ansible {summary['duration_s']:.1f} s), "
          f"changed={changed} over {len(summary['hosts'])} hosts")
    for phase in summary["phases"]:
        print(f"  {phase['name']:<10} {phase['duration_s']:8.1f} s  {phase['status']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", nargs="?", type=Path, default=DEFAULT_ANSWERS)
    parser.add_argument("--phase", action="append", dest="phases")
    args = parser.parse_args()
    phases = args.phases or ["bootstrap", "infra"]
    wall, summary = _deploy(args.answers, phases)
    _report("first deploy", wall, summary)
    wall, summary = _deploy(args.answers, phases)
    _report("no-change re-run", wall, summary)


if __name__ == "__main__":
    main()

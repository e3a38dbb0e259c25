"""Benchmark: the time of each step of `verify --smoke` (the real workload) on a deployed lab.

Run (as root, against a deployed lab):
    .venv/bin/python tests/bench/bench_smoke.py [ANSWERS] [--runs N]
ANSWERS defaults to the default lab's answer file. Prints each smoke step's status and
seconds per run, then the median per step; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_ANSWERS = Path("/var/lib/stackinstall/lab/lab/answers.yml")


def one_run(answers: Path) -> tuple[float, list[dict]]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "installer", "verify", str(answers), "--smoke",
                           "--json"], capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    report = json.loads(proc.stdout or "{}")
    return wall, [r for r in report.get("results", []) if r["check"].startswith("smoke: ")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", nargs="?", type=Path, default=DEFAULT_ANSWERS)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    per_step: dict[str, list[float]] = {}
    for n in range(1, args.runs + 1):
        wall, steps = one_run(args.answers)
        print(f"run {n}: verify --smoke took {wall:.1f} s")
        for step in steps:
            per_step.setdefault(step["check"], []).append(step["duration_s"])
            print(f"  {step['status']:7} {step['duration_s']:7.1f} s  {step['check']}")
    if args.runs > 1:
        print("median per step:")
        for check, times in per_step.items():
            print(f"  {statistics.median(times):7.1f} s  {check}")


if __name__ == "__main__":
    main()

"""Benchmark: the full deploy per phase, the no-change re-run, peak memory, slowest tasks.

Run (as root, against a lab that is up; fresh nodes give the "first deploy" figure; a
`lab up --suite trixie` lab gives Debian 13 with Epoxy, the default one Debian 12 with Zed):
    /opt/si-venv/bin/python tests/bench/bench_deploy.py [ANSWERS] [--phase NAME ...]
ANSWERS defaults to the default lab's answer file; every phase runs unless --phase is
given. While the first deploy runs, the memory (PSS) of every node's processes is sampled
every few seconds and the peak is printed. The re-run is timed without the sampler (reading
every process's PSS beside a short run took about 15 s of its time on two cores); the
memory printed for it is one reading after it ended. Figures come from each run's
summary.json and the samples; nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from installer.deploy.timing import slowest
from installer.testbed.lab.status import read_status

DEFAULT_ANSWERS = Path("/var/lib/stackinstall/lab/lab/answers.yml")
SAMPLE_EVERY = 3.0
MIB = 1024 * 1024
#: How many of the slowest tasks a report lists.
SLOWEST = 12


def _deploy_dir(answers: Path) -> Path:
    name = yaml.safe_load(answers.read_text())["deployment"]["name"]
    return answers.parent / "deployments" / name


def memory_now(lab: str) -> dict[str, int]:
    """Every node's memory (PSS; a VM's resident set) as ``lab status`` reads it now."""
    return {node.name: node.memory or 0 for node in read_status(lab).nodes}


class PeakMemory:
    """Samples every node's PSS in a thread until stopped; keeps the peak per node."""

    def __init__(self, lab: str) -> None:
        self.lab = lab
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for name, value in memory_now(self.lab).items():
                self.peak[name] = max(self.peak.get(name, 0), value)
            self._stop.wait(SAMPLE_EVERY)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def deploy_once(answers: Path, phases: list[str], *, sample: bool = True,
                ) -> tuple[float, dict, dict[str, int]]:
    """One deploy: its wall time, its summary, and the nodes' peak memory while it ran
    (``sample``) or their memory once it ended (no sampler beside the timed run)."""
    argv = [sys.executable, "-m", "installer", "deploy", str(answers)]
    for phase in phases:
        argv += ["--phase", phase]
    runs = _deploy_dir(answers) / "runs"
    before = set(runs.iterdir()) if runs.is_dir() else set()
    lab = answers.parent.name
    sampler = PeakMemory(lab) if sample else None
    start = time.perf_counter()
    with sampler or contextlib.nullcontext():
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    memory = sampler.peak if sampler else memory_now(lab)
    new = sorted(set(runs.iterdir()) - before) if runs.is_dir() else []
    if proc.returncode != 0 or not new:
        sys.exit(f"deploy failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr}")
    return wall, json.loads((new[-1] / "summary.json").read_text()), memory


def report(label: str, wall: float, summary: dict, peak: dict[str, int],
           memory_label: str = "peak memory") -> None:
    changed = sum(h["changed"] for h in summary["hosts"].values())
    print(f"{label}: wall {wall:.1f} s (ansible {summary['duration_s']:.1f} s), "
          f"changed={changed} over {len(summary['hosts'])} hosts")
    for phase in summary["phases"]:
        print(f"  {phase['name']:<10} {phase['duration_s']:8.1f} s  {phase['status']}")
    for node, value in sorted(peak.items()):
        print(f"  {memory_label} {node:<12} {value / MIB:8.0f} MiB")
    print(f"  the {SLOWEST} slowest tasks (wall time; the host it took longest on):")
    for task in slowest(Path(summary["run_dir"]), [p["name"] for p in summary["phases"]],
                        top=SLOWEST):
        print(f"  {task.wall_s:7.1f} s  {task.phase:<9} {task.role:<12} {task.task[:60]:<60} "
              f"{task.hosts} host(s), {task.busiest} {task.busiest_s:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", nargs="?", type=Path, default=DEFAULT_ANSWERS)
    parser.add_argument("--phase", action="append", dest="phases")
    args = parser.parse_args()
    phases = args.phases or ["bootstrap", "infra", "ceph", "services", "post"]
    deployment = yaml.safe_load(args.answers.read_text())["deployment"]
    print(f"{args.answers}: OpenStack {deployment['release']} on "
          f"{deployment.get('distro', 'auto')} (the lab's suite: `lab status`)")
    report("first deploy", *deploy_once(args.answers, phases))
    report("no-change re-run", *deploy_once(args.answers, phases, sample=False),
           memory_label="memory after")


if __name__ == "__main__":
    main()

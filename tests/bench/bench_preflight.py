"""Benchmark: `stackinstall preflight` on a four-node lab (prints figures, asserts nothing
about time).

Run as root: .venv/bin/python tests/bench/bench_preflight.py
It uses the lab ``$STACKINSTALL_BENCH_LAB`` when that is up, else brings up its own four-node
lab ``pfbench`` on 10.234.0.0/24 and takes it down afterwards (keeping the image cache).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from installer.answers import load_topology  # noqa: E402
from installer.preflight.collect import collect  # noqa: E402
from installer.preflight.run import run_preflight  # noqa: E402
from installer.testbed.lab.paths import LabPaths  # noqa: E402

OWN_LAB, OWN_SUBNET = "pfbench", "10.234.0.0/24"


def lab(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "installer", "lab", *args], check=True,
                   capture_output=True, text=True, timeout=900)


def figures(answers: Path) -> None:
    deployment = load_topology(answers)
    runs = []
    for _ in range(5):
        report = run_preflight(deployment)
        runs.append(report.duration_s)
    print(f"preflight in-process, {len(deployment.nodes)} nodes in parallel (5 runs): "
          f"median {statistics.median(runs):.2f} s, max {max(runs):.2f} s; "
          f"{len(report.findings)} results, {len(report.problems)} problems")
    start = time.perf_counter()
    for node in deployment.nodes:
        collect(deployment, node)
    print(f"the same nodes one after another (for comparison): "
          f"{time.perf_counter() - start:.2f} s")
    cli = Path(sys.executable).with_name("stackinstall")
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run([str(cli), "preflight", str(answers)], capture_output=True,
                              check=False)
        walls.append(time.perf_counter() - start)
        print(f"  CLI exit {done.returncode}")
    print(f"stackinstall preflight (CLI incl. interpreter start, 3 runs): "
          f"median {statistics.median(walls):.2f} s, max {max(walls):.2f} s")


def main() -> None:
    name = os.environ.get("STACKINSTALL_BENCH_LAB", "")
    if name and LabPaths.for_lab(name).answers.is_file():
        figures(LabPaths.for_lab(name).answers)
        return
    start = time.perf_counter()
    lab("up", "--name", OWN_LAB, "--subnet", OWN_SUBNET, "--nodes", "4")
    print(f"lab up {OWN_LAB} (4 nodes): {time.perf_counter() - start:.1f} s")
    try:
        time.sleep(3)  # sshd comes up a moment after the containers
        figures(LabPaths.for_lab(OWN_LAB).answers)
    finally:
        lab("down", "--name", OWN_LAB, "--keep-image")


if __name__ == "__main__":
    main()

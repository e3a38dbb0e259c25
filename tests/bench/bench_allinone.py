"""Benchmark: the all-in-one (one node with every role) on a one-node lab of its own.

It brings up the lab ``aib`` (10.251.0.0/24 unless --subnet), deploys it, runs
`verify --browser --smoke`, re-runs the deploy, and prints the first deploy's and the
re-run's time per phase, the node's peak memory (PSS, sampled every few seconds) during
each, and the verify's result and the smoke's step times. Nothing is asserted.

    .venv/bin/python tests/bench/bench_allinone.py [--suite trixie|bookworm] [--keep]

With --keep the lab stays up and deployed (for a look with `lab ssh --name aib`);
otherwise it is taken down (the image cache stays).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench_deploy import deploy_once, report

from installer.testbed.lab.paths import LabPaths

NAME = "aib"
PHASES = ["bootstrap", "infra", "ceph", "services", "post"]


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "installer", *args], capture_output=True,
                          text=True, check=check)


def verify(answers: Path) -> None:
    start = time.perf_counter()
    proc = cli("verify", str(answers), "--browser", "--smoke", "--json", check=False)
    wall = time.perf_counter() - start
    results = json.loads(proc.stdout)["results"]
    passed = sum(r["status"] == "pass" for r in results)
    print(f"verify --browser --smoke: wall {wall:.1f} s, {passed} of {len(results)} passed "
          f"(exit {proc.returncode})")
    for r in results:
        if r["check"].startswith("smoke: "):
            print(f"  {r.get('duration_s', 0.0):7.1f} s  {r['status']:<7} {r['check'][7:]}")
        elif r["status"] != "pass":
            print(f"  {r['status']:<7} {r['node']}: {r['check']}: {r['message']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["bookworm", "trixie"], default="trixie")
    parser.add_argument("--subnet", default="10.251.0.0/24")
    parser.add_argument("--keep", action="store_true", help="leave the lab up and deployed")
    args = parser.parse_args()
    start = time.perf_counter()
    cli("lab", "up", "--name", NAME, "--nodes", "1", "--subnet", args.subnet,
        "--suite", args.suite)
    answers = LabPaths.for_lab(NAME).answers
    print(f"lab up (1 node, {args.suite}): {time.perf_counter() - start:.1f} s; {answers}")
    try:
        report("first deploy", *deploy_once(answers, PHASES))
        verify(answers)
        report("no-change re-run", *deploy_once(answers, PHASES))
    finally:
        if not args.keep:
            cli("lab", "down", "--name", NAME, "--keep-image")


if __name__ == "__main__":
    main()

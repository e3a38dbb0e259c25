"""Benchmark: day 2 on a deployed lab: a no-change re-run, adding a compute node, removing it.

Run as root against a deployed lab (its answer file is changed and restored by the run):
    .venv/bin/python tests/bench/bench_day2.py /var/lib/stackinstall/lab/LAB/answers.yml
The lab grows by one node (`lab up --answers`), `deploy` adds it to the cloud, `node remove
--delete-guests` takes it out again; each command's wall time and the deploy runs' own
durations (summary.json) are printed. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

from installer.node.answerfile import with_node


def _run(*args: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "installer", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def _last_run(answers: Path) -> dict:
    name = yaml.safe_load(answers.read_text())["deployment"]["name"]
    runs = sorted((answers.parent / "deployments" / name / "runs").iterdir())
    return json.loads((runs[-1] / "summary.json").read_text())


def _with_new_compute(text: str) -> tuple[str, str]:
    nodes = yaml.safe_load(text)["nodes"]
    prefix, last = nodes[-1]["address"].rsplit(".", 1)
    name = f"bench{len(nodes) + 1}"
    return with_node(text, name, f"{prefix}.{int(last) + 1}", ["compute"]), name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", type=Path)
    args = parser.parse_args()
    answers: Path = args.answers
    lab = answers.parent.name
    original = answers.read_text()
    rerun = _run("deploy", str(answers))
    changed = {h: c["changed"] for h, c in _last_run(answers)["hosts"].items()}
    print(f"no-change re-run: {rerun:.0f} s wall, changed per host {changed}")
    text, name = _with_new_compute(original)
    answers.write_text(text)
    try:
        grow = _run("lab", "up", "--name", lab, "--answers", str(answers))
        add = _run("deploy", str(answers))
        summary = _last_run(answers)
        phases = {p["name"]: round(p["duration_s"]) for p in summary["phases"]}
        print(f"lab grows by {name}: {grow:.1f} s; add-node deploy: {add:.0f} s wall "
              f"(phases {phases})")
        remove = _run("node", "remove", str(answers), name, "--delete-guests")
        print(f"node remove {name}: {remove:.0f} s wall")
    finally:
        if name in answers.read_text():
            answers.write_text(original)


if __name__ == "__main__":
    main()

"""Benchmark: the floor of a first deploy, beside the first deploy of a reference lab.

The floor is what installing alone costs: each node of a fresh lab installs the final package
set of the same node of a deployed reference lab (its ``apt-mark showmanual`` list) in one
apt transaction, without Recommends, services held back by a policy-rc.d, all nodes at once.
The apt proxy's cache is shared by every lab, so it is as warm as the reference's was.

Run (as root; the reference lab deployed, nothing else running for a quiet figure):
    python tests/bench/bench_floor.py REFERENCE_ANSWERS [--name fl] [--subnet 10.205.0.0/24]
or, for both figures from one run on one machine, with a reference it makes itself (a fresh
lab of the default four nodes, deployed once and taken down at the end):
    python tests/bench/bench_floor.py --fresh trixie [--reference-name flref]
        [--reference-subnet 10.249.0.0/24]
It brings up its own lab (same suite and node count; default topology names), measures,
and takes that lab down again. It prints per node: the set, the packages Recommends would
add (apt's simulation), the install time; the floor (the slowest node); the reference's
first deploy and the ratio. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from installer.testbed.lab.paths import LabPaths

POLICY = "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d"
APT = "DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Options::=--force-confold"


def cli(*args: str, timeout: float = 3600) -> str:
    proc = subprocess.run([sys.executable, "-m", "installer", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        sys.exit(f"stackinstall {' '.join(args)} failed ({proc.returncode}):\n"
                 f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def on(lab: str, node: str, command: str, timeout: float = 3600) -> str:
    return cli("lab", "ssh", "--name", lab, node, "--", command, timeout=timeout)


def first_deploy(answers: Path) -> dict | None:
    """The summary of the reference deployment's first full run, if it is still there."""
    name = yaml.safe_load(answers.read_text())["deployment"]["name"]
    runs = answers.parent / "deployments" / name / "runs"
    for run in sorted(runs.iterdir()) if runs.is_dir() else []:
        summary = run / "summary.json"
        if summary.is_file():
            data = json.loads(summary.read_text())
            if len(data.get("phases", [])) == 5 and data.get("status") == "successful":
                return data
    return None


def floor_on(lab: str, node: str, packages: list[str]) -> dict[str, float | int]:
    names = " ".join(shlex.quote(p) for p in packages)
    before = int(on(lab, node, "dpkg-query -W -f '${Status}\\n' | grep -c 'ok installed'"))
    on(lab, node, f"{POLICY}; {APT} update >/dev/null")
    simulate = f"{APT} -s install {{}} {names} | grep -c '^Inst ' || true"
    lean = int(on(lab, node, simulate.format("--no-install-recommends")))
    fat = int(on(lab, node, simulate.format("--install-recommends")))
    started = time.monotonic()
    on(lab, node, f"{APT} install --no-install-recommends {names} >/dev/null; "
                  "rm -f /usr/sbin/policy-rc.d")
    seconds = time.monotonic() - started
    after = int(on(lab, node, "dpkg-query -W -f '${Status}\\n' | grep -c 'ok installed'"))
    return {"set": len(packages), "before": before, "after": after, "installs": lean,
            "with_recommends": fat, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, nargs="?")
    parser.add_argument("--name", default="fl")
    parser.add_argument("--subnet", default="10.205.0.0/24")
    parser.add_argument("--fresh", choices=["bookworm", "trixie"],
                        help="make, deploy and finally take down a fresh reference lab "
                             "of this suite instead of naming a deployed one")
    parser.add_argument("--reference-name", default="flref")
    parser.add_argument("--reference-subnet", default="10.249.0.0/24")
    args = parser.parse_args()
    if (args.reference is None) == (args.fresh is None):
        parser.error("name a deployed reference's answer file, or --fresh SUITE")
    if args.fresh:
        fresh_reference(args)
        return
    floor(args)


def fresh_reference(args: argparse.Namespace) -> None:
    """A fresh four-node reference lab: lab up, its first deploy, the floor, both labs down."""
    cli("lab", "up", "--name", args.reference_name, "--subnet", args.reference_subnet,
        "--suite", args.fresh, timeout=1800)
    try:
        answers = LabPaths.for_lab(args.reference_name).answers
        started = time.monotonic()
        cli("deploy", str(answers), "--yes", timeout=7200)
        print(f"reference {args.reference_name}: first deploy {time.monotonic() - started:.1f} s "
              "(the command's wall time)")
        args.reference = answers
        floor(args)
    finally:
        cli("lab", "down", "--name", args.reference_name, "--keep-image", timeout=1800)


def floor(args: argparse.Namespace) -> None:
    reference = args.reference.parent.name
    settings = yaml.safe_load(args.reference.read_text())
    nodes = [n["name"] for n in settings["nodes"]]
    status = json.loads(cli("lab", "status", "--name", reference, "--json"))
    suite = status.get("suite", "bookworm")
    sets = {node: on(reference, node, "apt-mark showmanual").split() for node in nodes}
    print(f"reference {reference}: {settings['deployment']['release']} on {suite}, "
          f"{len(nodes)} nodes")
    cli("lab", "up", "--name", args.name, "--subnet", args.subnet, "--suite", suite,
        "--nodes", str(len(nodes)), timeout=1800)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
            found = dict(zip(nodes, pool.map(lambda n: floor_on(args.name, n, sets[n]), nodes),
                             strict=True))
        wall = time.monotonic() - started
    finally:
        cli("lab", "down", "--name", args.name, "--keep-image", timeout=1800)
    for node, row in found.items():
        print(f"  {node:<12} set {row['set']:4}  packages {row['before']:4} -> "
              f"{row['after']:4}  installed {row['installs']:4} (with Recommends "
              f"{row['with_recommends']:4})  {row['seconds']:7.1f} s")
    print(f"floor (all nodes at once, update and simulations included): {wall:.1f} s; "
          f"slowest node's install {max(r['seconds'] for r in found.values()):.1f} s")
    first = first_deploy(args.reference)
    if first is None:
        print("the reference's first full deploy summary is gone: no ratio")
        return
    print(f"reference first deploy ({first['run_dir'].rsplit('/', 1)[-1]}): "
          f"{first['duration_s']:.1f} s = {first['duration_s'] / wall:.2f} x the floor")
    print("  its phases: " + ", ".join(f"{p['name']} {p['duration_s']:.1f} s"
                                        for p in first.get("phases", [])))


if __name__ == "__main__":
    main()

"""Benchmark: the hybrid lab (compute and storage as VMs) from `lab up` to a green smoke.

Prints, in one run: how long `lab up --vm compute,storage` took and which accelerator and
``nova.virt_type`` it chose, the first deploy per phase with its slowest tasks, each step of
`verify --smoke` (guest under nova's virt_type on the compute VM, an LVM volume over iSCSI
from the storage VM), and the no-change re-run. A script that prints figures, not a test.

Run (as root):
    .venv/bin/python tests/bench/bench_hybrid.py [--suite trixie|bookworm]
        [--name hybench] [--subnet 10.239.0.0/24] [--vm-cpus 2] [--vm-memory 3072] [--keep]

It uses its own lab name and subnet. A lab of that name that is already up is used as it is
and left up; one brought up here is taken down at the end (its images are kept) unless
``--keep`` is given.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import yaml
from bench_deploy import deploy_once, report
from bench_smoke import one_run

from installer.testbed.lab.paths import LabPaths

PHASES = ["bootstrap", "infra", "ceph", "services", "post"]


def lab(*args: str) -> tuple[float, str]:
    """Run `stackinstall lab ARGS`; its wall time and output (exit on failure)."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "installer", "lab", *args],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"lab {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return time.monotonic() - started, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["trixie", "bookworm"], default="trixie")
    parser.add_argument("--name", default="hybench")
    parser.add_argument("--subnet", default="10.239.0.0/24")
    parser.add_argument("--vm-cpus", default="2", help="vCPUs of each VM (as in docs/lab.md)")
    parser.add_argument("--vm-memory", default="3072", help="MiB of each VM")
    parser.add_argument("--keep", action="store_true", help="leave the lab up at the end")
    args = parser.parse_args()
    paths = LabPaths.for_lab(args.name)
    answers = paths.answers
    brought_up = not paths.state_file.exists()
    try:
        wall, said = lab("up", "--name", args.name, "--subnet", args.subnet, "--suite",
                         args.suite, "--vm", "compute,storage", "--vm-cpus", args.vm_cpus,
                         "--vm-memory", args.vm_memory)
        print(f"lab up --vm compute,storage ({args.suite}, {args.vm_cpus} vCPUs and "
              f"{args.vm_memory} MiB per VM): {wall:.1f} s")
        for line in said.splitlines():
            if line.startswith(("VM nodes use", "nova.virt_type", "openstack")):
                print(f"  {line}")
        settings = yaml.safe_load(answers.read_text())
        print(f"  nova.virt_type {settings['nova']['virt_type']}, cinder.backend "
              f"{settings['cinder']['backend']} {settings['cinder'].get('device', '')}")
        report("first deploy", *deploy_once(answers, PHASES))
        wall, steps = one_run(answers)
        print(f"verify --smoke: {wall:.1f} s")
        for step in steps:
            print(f"  {step['status']:7} {step['duration_s']:7.1f} s  {step['check']}")
        report("no-change re-run", *deploy_once(answers, PHASES, sample=False),
               memory_label="memory after")
    finally:
        if brought_up and not args.keep:
            wall, _ = lab("down", "--name", args.name, "--keep-image")
            print(f"lab down: {wall:.1f} s")


if __name__ == "__main__":
    main()

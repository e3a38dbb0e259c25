"""Print how long `stackinstall lab up` takes for 4 nodes with a cold and a warm image cache,
and how much memory the idle nodes use. A script that prints figures, not a test.

    sudo /opt/si-venv/bin/python tests/bench/bench_lab.py [--nodes 4] [--subnet 10.218.0.0/24]

It uses its own lab name (``bench``) and a temporary image cache, so labs that are running
keep their images; everything it creates is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "bench"


def lab(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "installer", "lab", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def idle_memory(env: dict[str, str], settle: float) -> tuple[int, list[tuple[str, int]]]:
    time.sleep(settle)
    code = (
        "from installer.testbed.lab.status import read_status\n"
        f"for n in read_status({NAME!r}).nodes: print(n.name, n.memory or 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    per_node = [(line.split()[0], int(line.split()[1])) for line in out.splitlines()]
    return sum(m for _n, m in per_node), per_node


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--subnet", default="10.218.0.0/24")
    parser.add_argument("--settle", type=float, default=20.0,
                        help="seconds to let the nodes go idle before measuring memory")
    opts = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    cache = Path(tempfile.mkdtemp(prefix="stackinstall-bench-cache-"))
    env = {**os.environ, "STACKINSTALL_LAB_CACHE_ROOT": str(cache)}
    up = ("up", "--name", NAME, "--nodes", str(opts.nodes), "--subnet", opts.subnet)
    try:
        lab(env, "down", "--name", NAME, "--subnet", opts.subnet, "--keep-image")
        cold = lab(env, *up)
        mem_cold, _ = idle_memory(env, opts.settle)
        lab(env, "down", "--name", NAME, "--keep-image")
        warm = lab(env, *up)
        again = lab(env, *up)
        mem, per_node = idle_memory(env, opts.settle)
        down = lab(env, "down", "--name", NAME, "--keep-image")
    finally:
        if (Path("/var/lib/stackinstall/lab") / NAME / "state.json").exists():
            lab(env, "down", "--name", NAME, "--keep-image")
        shutil.rmtree(cache, ignore_errors=True)
    mib = 2**20
    print(f"lab up, {opts.nodes} nodes, cold image cache: {cold:6.1f} s")
    print(f"lab up, {opts.nodes} nodes, warm image cache: {warm:6.1f} s   (goal < 60 s)")
    print(f"lab up again, nothing to do:       {again:6.1f} s")
    print(f"lab down:                          {down:6.1f} s")
    print(f"idle memory of {opts.nodes} nodes (PSS): {mem / mib:.0f} MiB "
          f"(after the cold start: {mem_cold / mib:.0f} MiB)")
    for node, m in per_node:
        print(f"  {node}: {m / mib:.0f} MiB")


if __name__ == "__main__":
    main()

"""Print how long the guest image takes to build (cold, rebuilt with the .debs kept, cached),
its size, how long it takes under qemu TCG from start to the booted line, and qemu's memory.
A script that prints figures, not a test.

    sudo .venv/bin/python tests/bench/bench_guest.py [--boots 3] [--memory 128]

It builds into a temporary cache (the default cache is left alone) and boots with a config
drive on ``-machine pc`` and ``-machine q35`` (user network, ``restrict=on``). Boot times on a
shared machine are noisy: qemu's own CPU time to the line is printed as the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from installer.testbed.image import vm
from installer.testbed.image.build import build_image


def timed_build(cache: Path, force: bool = False) -> tuple[float, object]:
    started = time.monotonic()
    image = build_image(cache, force=force)
    return time.monotonic() - started, image


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boots", type=int, default=3, help="boots per machine type")
    parser.add_argument("--memory", type=int, default=128, help="guest memory in MiB")
    opts = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_guest: run as root (apt-get download, image cache)")
    with tempfile.TemporaryDirectory(prefix="bench-guest-") as tmp:
        cache = Path(tmp) / "cache"
        cold, image = timed_build(cache)
        rebuilt, image = timed_build(cache, force=True)
        cached, image = timed_build(cache)
        print(f"build: cold {cold:.1f} s (downloads every .deb), rebuilt with the .debs kept "
              f"{rebuilt:.1f} s, cached {cached:.2f} s (built={image.built})")
        sizes = {name: (image.path.parent / name).stat().st_size
                 for name in ("disk.raw", "vmlinuz", "initrd.img")}
        print("size: " + ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in
                                     sizes.items()) + f"  (kernel {image.kernel_version})")
        drive = vm.make_config_drive(Path(tmp) / "config.iso", {
            "hostname": "bench", "public_keys": {"k": "ssh-ed25519 AAAA bench"}})
        for machine in ("pc", "q35"):
            walls, cpus, rss = [], [], []
            for _ in range(opts.boots):
                guest = vm.boot(image.path, Path(tmp) / "vm", machine=machine,
                                config_drive=drive, memory_mib=opts.memory)
                try:
                    booted = guest.wait_booted(300)
                    walls.append(booted.seconds)
                    cpus.append(cpu_seconds(guest.pid))
                    time.sleep(2)  # let dropbear and udhcpc settle
                    rss.append(guest.rss_bytes())
                finally:
                    guest.stop()
            print(f"boot {machine:>3} ({opts.memory} MiB, TCG) to the booted line: wall "
                  f"min {min(walls):.1f} s, median {statistics.median(walls):.1f} s; qemu CPU "
                  f"median {statistics.median(cpus):.1f} s; qemu RSS "
                  f"{statistics.median(rss) / 2**20:.0f} MiB (n={opts.boots})")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

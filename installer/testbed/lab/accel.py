"""Which qemu accelerator VM nodes use: KVM where it really works, TCG otherwise.

``/dev/kvm`` existing proves nothing: a PVM host has one, and there ``-accel kvm`` either
aborts when qemu sets the vCPU's MSRs, or starts and then stops at the first instruction it
cannot emulate (seen: ``emulation failure`` in the kernel's decompressor, with the firmware
alone running fine). So the probe boots the VM image's own kernel under KVM, without a root
file system, and takes KVM only when that kernel prints its banner.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

QEMU = "qemu-system-x86_64"
KVM_DEVICE = Path("/dev/kvm")
PROBE_SECONDS = 20.0
#: TCG's translated-code cache, in MiB (qemu 7.2's default, stated). Measured 2026-12-06 on a
#: busy host: 256 cut a booted VM's qemu RSS from about 1.2 GiB to 580 MiB, but 200 fork+exec
#: in the guest took 16.6 s instead of 11.6 s; package installs are fork-bound, so speed wins.
TCG_TB_MIB = 1024


@dataclass(frozen=True)
class Accel:
    """The accelerator and why it was chosen."""

    name: str  # kvm | tcg
    reason: str

    @property
    def argv(self) -> list[str]:
        """qemu options for it: the host CPU under KVM; under TCG the richest model qemu
        emulates without 5-level paging (which slows the guest's page walks)."""
        if self.name == "kvm":
            return ["-accel", "kvm", "-cpu", "host"]
        return ["-accel", f"tcg,thread=multi,tb-size={TCG_TB_MIB}", "-cpu", "max,-la57"]

    @property
    def cmdline(self) -> list[str]:
        """Kernel command line additions: under TCG trust the TSC and skip mitigations
        (each costs many emulated instructions); KVM needs neither."""
        if self.name == "kvm":
            return []
        return ["clocksource=tsc", "tsc=reliable", "mitigations=off"]


#: What a booting kernel prints first on its console.
BANNER = "Linux version"
#: How qemu says a vCPU hit what KVM could not run.
KVM_FAILURES = ("emulation failure", "KVM internal error")


def probe_argv(qemu: str, kernel: Path) -> list[str]:
    """Boot ``kernel`` alone under KVM: its console on stdout; it panics without a root file
    system and, with ``-no-reboot``, qemu then exits."""
    return [qemu, "-accel", "kvm", "-cpu", "host", "-machine", "q35", "-m", "256",
            "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
            "-serial", "stdio", "-no-reboot", "-kernel", str(kernel),
            "-append", "console=ttyS0 panic=-1"]


def probe(kernel: Path, qemu: str = QEMU, kvm_device: Path = KVM_DEVICE,
          seconds: float = PROBE_SECONDS) -> Accel:
    """Try KVM for real by booting ``kernel``; fall back to TCG with the reason."""
    if not kvm_device.exists():
        return Accel("tcg", f"{kvm_device} does not exist")
    if not os.access(kvm_device, os.R_OK | os.W_OK):
        return Accel("tcg", f"{kvm_device} is not readable and writable")
    try:
        proc = subprocess.Popen(probe_argv(qemu, kernel), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except FileNotFoundError:
        return Accel("tcg", f"{qemu} not found")
    lines: list[str] = []
    failures: list[str] = []
    booted, stopped = threading.Event(), threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").strip()
            if line:
                lines.append(line)
            if BANNER in line:
                booted.set()
            if any(f in line for f in KVM_FAILURES):
                failures.append(line)
                stopped.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + seconds
    while not (booted.is_set() or stopped.is_set()) and proc.poll() is None \
            and time.monotonic() < deadline:
        booted.wait(0.1)
    code = proc.poll()
    if code is None:
        proc.kill()
    proc.wait()
    reader.join(timeout=2)
    if proc.stdout:
        proc.stdout.close()
    if booted.is_set():
        return Accel("kvm", f"the VM kernel booted under KVM ({BANNER} in under "
                            f"{seconds:.0f} s)")
    if failures:
        return Accel("tcg", f"KVM stopped the VM kernel: {failures[0]}")
    if code is not None:
        detail = f": {lines[0]}" if lines else ""
        return Accel("tcg", f"qemu -accel kvm exited with {code}{detail}")
    return Accel("tcg", f"the VM kernel printed nothing under KVM in {seconds:.0f} s")


#: Run in a compute VM: can a guest nested in it use KVM? ``kvm`` when /dev/kvm is there (the
#: kernel loaded kvm_amd or kvm_intel for the CPU's svm or vmx flag); otherwise whether the
#: virtual CPU has such a flag at all.
GUEST_KVM_PROBE: list[str] = [
    "sh", "-c",
    "if [ -c /dev/kvm ]; then echo kvm; elif grep -qwE 'svm|vmx' /proc/cpuinfo; "
    "then echo no-device; else echo no-flag; fi",
]
_NOT_KVM = {
    "no-device": "its CPU has svm/vmx but /dev/kvm is missing (kvm_amd/kvm_intel not loaded)",
    "no-flag": "its CPU has neither svm nor vmx",
    "": "the probe got no answer over SSH",
}


def nested_virt_type(answers: dict[str, str]) -> tuple[str, str]:
    """nova.virt_type for compute VMs from each one's ``GUEST_KVM_PROBE`` answer, and why:
    ``kvm`` only when every compute VM has /dev/kvm, else ``qemu`` naming the first that
    has not."""
    for node, said in sorted(answers.items()):
        if said != "kvm":
            why = _NOT_KVM.get(said, f"the probe answered {said!r}")
            return "qemu", f"{node}: {why}"
    names = ", ".join(sorted(answers))
    return "kvm", f"/dev/kvm exists in {names}: nested guests use KVM"

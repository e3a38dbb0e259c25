"""Which qemu accelerator VM nodes use: KVM where it really works, TCG otherwise.

``/dev/kvm`` existing proves nothing (a PVM host has one, and ``-accel kvm`` aborts there
when qemu sets the vCPU's MSRs), so the probe really starts qemu with KVM and a machine
that has nothing to boot: a qemu that is still running after a moment has created and reset
its vCPU, one that exited could not.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

QEMU = "qemu-system-x86_64"
KVM_DEVICE = Path("/dev/kvm")
PROBE_SECONDS = 2.0
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


def probe_argv(qemu: str = QEMU) -> list[str]:
    return [qemu, "-accel", "kvm", "-cpu", "host", "-machine", "pc", "-m", "32",
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "none",
            "-monitor", "none"]


def probe(qemu: str = QEMU, kvm_device: Path = KVM_DEVICE,
          seconds: float = PROBE_SECONDS) -> Accel:
    """Try KVM for real; fall back to TCG with the reason."""
    if not kvm_device.exists():
        return Accel("tcg", f"{kvm_device} does not exist")
    if not os.access(kvm_device, os.R_OK | os.W_OK):
        return Accel("tcg", f"{kvm_device} is not readable and writable")
    try:
        proc = subprocess.Popen(probe_argv(qemu), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except FileNotFoundError:
        return Accel("tcg", f"{qemu} not found")
    try:
        code = proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return Accel("kvm", f"qemu ran a KVM vCPU for {seconds:.0f} s")
    finally:
        said = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    detail = f": {lines[0]}" if lines else ""
    return Accel("tcg", f"qemu -accel kvm exited with {code} at once{detail}")


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

"""The accelerator probe really starts qemu: one that stays up has KVM, one that exits has not."""

from __future__ import annotations

from pathlib import Path

import pytest

from installer.testbed.lab import accel


def _fake_qemu(tmp_path: Path, body: str) -> str:
    script = tmp_path / "qemu-system-x86_64"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def kvm_device(tmp_path: Path) -> Path:
    dev = tmp_path / "kvm"
    dev.write_text("")
    return dev


KERNEL = Path("/images/vmlinuz")


def test_a_qemu_that_aborts_with_kvm_means_tcg(tmp_path, kvm_device):
    qemu = _fake_qemu(tmp_path, "echo 'error: failed to set MSR 0x10a to 0x69' >&2; exit 134")
    found = accel.probe(KERNEL, qemu, kvm_device, seconds=5)
    assert found.name == "tcg"
    assert "MSR 0x10a" in found.reason and "134" in found.reason


def test_a_kernel_that_prints_its_banner_under_kvm_means_kvm(tmp_path, kvm_device):
    qemu = _fake_qemu(tmp_path, "echo '[    0.000000] Linux version 6.12.57+deb13-cloud-amd64'"
                                "; exec sleep 30")
    found = accel.probe(KERNEL, qemu, kvm_device, seconds=5)
    assert found.name == "kvm" and "booted under KVM" in found.reason


def test_a_vcpu_that_kvm_stops_means_tcg_at_once(tmp_path, kvm_device):
    """As on a PVM host: the firmware runs, the kernel's first instruction KVM cannot emulate
    stops the vCPU and qemu stays up, paused; the probe does not wait out its time."""
    qemu = _fake_qemu(tmp_path, "echo 'KVM internal error. Suberror: 1' >&2; "
                                "echo 'emulation failure' >&2; exec sleep 30")
    found = accel.probe(KERNEL, qemu, kvm_device, seconds=20)
    assert found.name == "tcg"
    assert found.reason == "KVM stopped the VM kernel: KVM internal error. Suberror: 1"


def test_a_kernel_that_prints_nothing_in_time_means_tcg(tmp_path, kvm_device):
    qemu = _fake_qemu(tmp_path, "exec sleep 30")
    found = accel.probe(KERNEL, qemu, kvm_device, seconds=0.5)
    assert found.name == "tcg" and "printed nothing under KVM" in found.reason


def test_no_device_means_tcg_without_starting_qemu(tmp_path):
    marker = tmp_path / "started"
    qemu = _fake_qemu(tmp_path, f"touch {marker}; exec sleep 30")
    found = accel.probe(KERNEL, qemu, tmp_path / "no-kvm", seconds=0.5)
    assert found.name == "tcg" and "does not exist" in found.reason
    assert not marker.exists()


def test_no_qemu_means_tcg(tmp_path, kvm_device):
    found = accel.probe(KERNEL, str(tmp_path / "missing-qemu"), kvm_device, seconds=0.5)
    assert found.name == "tcg" and "not found" in found.reason


def test_the_probe_boots_the_kernel_alone_under_kvm_with_the_host_cpu():
    argv = accel.probe_argv("qemu", KERNEL)
    assert argv[:5] == ["qemu", "-accel", "kvm", "-cpu", "host"]
    assert "-nodefaults" in argv and "-no-reboot" in argv
    assert argv[argv.index("-kernel") + 1] == str(KERNEL)
    assert "console=ttyS0" in argv[argv.index("-append") + 1]


def test_options_and_kernel_arguments_per_accelerator():
    tcg, kvm = accel.Accel("tcg", ""), accel.Accel("kvm", "")
    assert tcg.argv == ["-accel", f"tcg,thread=multi,tb-size={accel.TCG_TB_MIB}",
                        "-cpu", "max,-la57"]
    assert kvm.argv == ["-accel", "kvm", "-cpu", "host"]
    assert {"clocksource=tsc", "tsc=reliable", "mitigations=off"} <= set(tcg.cmdline)
    assert kvm.cmdline == []


def test_nested_kvm_when_every_compute_vm_has_dev_kvm():
    from installer.testbed.lab.accel import nested_virt_type

    virt, why = nested_virt_type({"c1": "kvm", "c2": "kvm"})
    assert virt == "kvm" and "c1, c2" in why


@pytest.mark.parametrize(("said", "reason"), [
    ("no-device", "/dev/kvm is missing"), ("no-flag", "neither svm nor vmx"),
    ("", "no answer over SSH"), ("odd", "answered 'odd'")])
def test_qemu_names_the_compute_vm_without_kvm_and_why(said, reason):
    from installer.testbed.lab.accel import nested_virt_type

    virt, why = nested_virt_type({"c1": "kvm", "c2": said})
    assert virt == "qemu" and why.startswith("c2: ") and reason in why


def test_the_guest_probe_tells_its_three_answers_apart(tmp_path):
    import subprocess

    from installer.testbed.lab.accel import GUEST_KVM_PROBE

    script = GUEST_KVM_PROBE[-1]
    # run the probe here with its paths pointed at files of this test
    fake = script.replace("/dev/kvm", str(tmp_path / "kvm")).replace(
        "/proc/cpuinfo", str(tmp_path / "cpuinfo"))
    (tmp_path / "cpuinfo").write_text("flags\t: fpu sse2\n")
    assert subprocess.run(["sh", "-c", fake], capture_output=True, text=True
                          ).stdout.strip() == "no-flag"
    (tmp_path / "cpuinfo").write_text("flags\t: fpu svm sse2\n")
    assert subprocess.run(["sh", "-c", fake], capture_output=True, text=True
                          ).stdout.strip() == "no-device"

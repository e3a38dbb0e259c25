"""A VM node's qemu command line, kernel arguments, disks, seed, QMP and process accounting."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from installer.errors import LabError
from installer.testbed.lab import vm
from installer.testbed.lab.accel import Accel
from installer.testbed.lab.topology import VmSpec
from installer.testbed.lab.vmimage import VmImage

TCG = Accel("tcg", "probe failed")
KVM = Accel("kvm", "probe ran")


def _argv(tmp_path: Path, accel: Accel = TCG, spec: VmSpec | None = None) -> list[str]:
    return vm.qemu_argv(
        name="si-vm-openstack3", spec=spec or VmSpec(memory_mib=1536, cpus=2), accel=accel,
        image=VmImage(tmp_path / "img"), files=vm.VmFiles(tmp_path / "node"),
        nics=(vm.Nic("si-vm-3m", "02:00:00:00:00:01"), vm.Nic("si-vm-3p", "02:00:00:00:00:02")),
        cmdline="root=LABEL=si-root",
    )


def _option_values(argv: list[str], option: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == option]


def test_the_kernel_gets_root_label_hostname_and_eth_names():
    line = vm.kernel_cmdline("openstack3", TCG).split()
    assert "systemd.hostname=openstack3" in line and "net.ifnames=0" in line
    assert "root=LABEL=si-root" in line and "console=ttyS0" in line
    assert "tsc=reliable" in line  # TCG tuning
    assert "tsc=reliable" not in vm.kernel_cmdline("n", KVM)
    assert not any(arg.startswith("ip=") for arg in line)  # the guest addresses its links


def test_qemu_gets_size_accelerator_and_its_name(tmp_path):
    argv = _argv(tmp_path)
    assert argv[0] == "qemu-system-x86_64"
    assert _option_values(argv, "-name") == ["guest=si-vm-openstack3"]
    assert _option_values(argv, "-smp") == ["2"] and _option_values(argv, "-m") == ["1536M"]
    assert _option_values(argv, "-accel")[0].startswith("tcg,thread=multi")
    assert _option_values(argv, "-cpu") == ["max,-la57"]
    assert _option_values(_argv(tmp_path, KVM), "-cpu") == ["host"]
    assert _option_values(argv, "-kernel") == [str(tmp_path / "img" / "vmlinuz")]
    assert _option_values(argv, "-initrd") == [str(tmp_path / "img" / "initrd.img")]
    assert _option_values(argv, "-qmp") == [f"unix:{tmp_path}/node/qmp.sock,server=on,wait=off"]


def test_qemu_gets_root_overlay_data_disk_and_read_only_seed_in_that_order(tmp_path):
    argv = _argv(tmp_path)
    drives = _option_values(argv, "-drive")
    assert [d.split(",")[0] for d in drives] == [
        f"file={tmp_path}/node/root.qcow2", f"file={tmp_path}/node/data.qcow2",
        f"file={tmp_path}/node/seed.raw"]
    assert "readonly=on" in drives[2] and "format=raw" in drives[2]
    devices = _option_values(argv, "-device")
    assert [d for d in devices if d.startswith("virtio-blk")] == [
        "virtio-blk-pci,drive=root,serial=root", "virtio-blk-pci,drive=data,serial=data",
        "virtio-blk-pci,drive=seed,serial=seed"]


def test_qemu_nics_are_the_lab_taps_with_stable_macs(tmp_path):
    argv = _argv(tmp_path)
    assert _option_values(argv, "-netdev") == [
        "tap,id=net0,ifname=si-vm-3m,script=no,downscript=no",
        "tap,id=net1,ifname=si-vm-3p,script=no,downscript=no"]
    nics = [d for d in _option_values(argv, "-device") if d.startswith("virtio-net")]
    assert nics == ["virtio-net-pci,netdev=net0,mac=02:00:00:00:00:01",
                    "virtio-net-pci,netdev=net1,mac=02:00:00:00:00:02"]
    assert not any("user" in n for n in _option_values(argv, "-netdev"))


def test_vm_size_is_bounded():
    with pytest.raises(LabError, match="vCPUs"):
        VmSpec(cpus=3)
    with pytest.raises(LabError, match="MiB"):
        VmSpec(memory_mib=128)
    with pytest.raises(LabError, match="data disk"):
        VmSpec(data_disk_gib=0)
    assert VmSpec.from_json(VmSpec(memory_mib=1024).to_json()) == VmSpec(memory_mib=1024)


def test_tap_is_created_by_argv_never_a_shell():
    assert vm.tap_argv("si-vm-3m") == ["ip", "tuntap", "add", "dev", "si-vm-3m", "mode", "tap"]


def test_disks_are_made_once_and_the_overlay_backs_on_the_cached_disk(tmp_path):
    img = VmImage(tmp_path / "img")
    img.directory.mkdir()
    subprocess.run(["truncate", "-s", "64M", str(img.disk)], check=True)
    files = vm.VmFiles(tmp_path / "node")
    made = vm.ensure_disks(img, files, VmSpec(data_disk_gib=3))
    assert made == [str(files.overlay), str(files.data)]
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", str(files.overlay)],
                                     capture_output=True, text=True, check=True).stdout)
    assert info["backing-filename"] == str(img.disk) and info["format"] == "qcow2"
    data = json.loads(subprocess.run(["qemu-img", "info", "--output=json", str(files.data)],
                                     capture_output=True, text=True, check=True).stdout)
    assert data["virtual-size"] == 3 * 1024**3
    assert vm.ensure_disks(img, files, VmSpec(data_disk_gib=3)) == []  # a restart keeps them


def test_the_seed_disk_carries_the_tree_and_the_addresses(tmp_path):
    files = vm.VmFiles(tmp_path / "node")
    (files.seed_tree / "etc").mkdir(parents=True)
    (files.seed_tree / "etc" / "hostname").write_text("openstack3\n")
    (files.seed_tree / "etc" / "machine-id").write_text("shared\n")
    vm.write_seed(files, "10.239.0.11/24", "10.239.1.11/24")
    listing = subprocess.run(["debugfs", "-R", "ls -p /etc", str(files.seed)],
                             capture_output=True, text=True, check=True).stdout
    assert "hostname" in listing and "stackinstall" in listing
    assert "machine-id" not in listing  # every guest makes its own
    address = subprocess.run(["debugfs", "-R", "cat /etc/stackinstall/provider-address",
                              str(files.seed)], capture_output=True, text=True, check=True)
    assert address.stdout == "10.239.1.11/24"
    management = subprocess.run(["debugfs", "-R", "cat /etc/stackinstall/management-address",
                                 str(files.seed)], capture_output=True, text=True, check=True)
    assert management.stdout == "10.239.0.11/24"
    initiator = subprocess.run(["debugfs", "-R", "cat /etc/iscsi/initiatorname.iscsi",
                                str(files.seed)], capture_output=True, text=True, check=True)
    assert re.search(r"^InitiatorName=iqn\.1993-08\.org\.debian:01:[0-9a-f]{12}$",
                     initiator.stdout, re.M), initiator.stdout
    vm.write_seed(files, "10.239.0.11/24", "10.239.1.11/24")
    again = subprocess.run(["debugfs", "-R", "cat /etc/iscsi/initiatorname.iscsi",
                            str(files.seed)], capture_output=True, text=True, check=True)
    assert again.stdout != initiator.stdout  # drawn for each node, never copied
    label = subprocess.run(["blkid", "-o", "value", "-s", "LABEL", str(files.seed)],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert label == "si-seed"


def _proc(tmp_path: Path, pid: int, argv: list[str], status: str = "") -> None:
    d = tmp_path / "proc" / str(pid)
    d.mkdir(parents=True)
    (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (d / "status").write_text(status)


def test_the_labs_qemus_are_found_by_their_guest_name(tmp_path):
    _proc(tmp_path, 10, ["qemu-system-x86_64", "-name", "guest=si-vm-openstack3"])
    _proc(tmp_path, 11, ["qemu-system-x86_64", "-name", "guest=si-vmx-openstack3"])
    _proc(tmp_path, 12, ["/usr/bin/qemu-system-x86_64", "-name", "guest=si-vm-openstack4"])
    _proc(tmp_path, 13, ["bash", "-c", "echo guest=si-vm-openstack3"])
    proc = tmp_path / "proc"
    assert vm.lab_qemus("vm", proc_root=proc) == [10, 12]
    assert vm.lab_qemus("vm", "openstack4", proc_root=proc) == [12]
    assert vm.lab_qemus("vmx", proc_root=proc) == [11]


def test_memory_is_the_qemu_resident_set(tmp_path):
    from installer.testbed.lab.system import ProcessRef

    _proc(tmp_path, 20, ["qemu-system-x86_64"], "Name:\tqemu\nVmRSS:\t  614400 kB\n")
    ref = ProcessRef(20, 1, "qemu-system")
    assert vm.memory_bytes(ref, tmp_path / "proc") == 614400 * 1024
    assert vm.memory_bytes(ProcessRef(21, 1, "qemu-system"), tmp_path / "proc") is None


def test_qmp_command_does_the_handshake_then_the_command(tmp_path):
    path = tmp_path / "qmp.sock"
    seen: list[str] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        with conn, conn.makefile("rwb") as stream:
            stream.write(b'{"QMP": {"version": {}}}\n')
            stream.flush()
            for _ in range(2):
                seen.append(json.loads(stream.readline())["execute"])
                stream.write(b'{"event": "SOME_EVENT"}\n{"return": {}}\n')
                stream.flush()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        assert vm.qmp_command(path, "system_powerdown") == {"return": {}}
    finally:
        thread.join(5)
        server.close()
    assert seen == ["qmp_capabilities", "system_powerdown"]


def test_a_qemu_that_exits_at_once_is_an_error_naming_its_log(tmp_path):
    with pytest.raises(LabError, match="exited at once") as info:
        vm.start(["false"], tmp_path / "node.log")
    assert str(tmp_path / "node.log") in (info.value.hint or "")

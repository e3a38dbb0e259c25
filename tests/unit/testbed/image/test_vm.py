"""The qemu command line: a network that cannot leave the machine, and the console line."""

from __future__ import annotations

from pathlib import Path

from installer.testbed.image import vm


def argv(**options) -> list[str]:
    return vm.qemu_argv(Path("/c/disk.raw"), Path("/w"), 2222, **options)


def test_network_is_restricted_and_ssh_forwarded_on_loopback_only():
    line = " ".join(argv())
    assert "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22" in line
    assert "-accel tcg" in line and "snapshot=on" in line
    assert "-serial file:/w/console.log" in line


def test_q35_gets_a_hotplug_root_port_and_config_drive_is_a_cdrom():
    q35 = argv(machine="q35", config_drive=Path("/w/cd.iso"))
    assert f"pcie-root-port,id={vm.HOTPLUG_PORT},chassis=1,slot=1" in q35
    assert "file=/w/cd.iso,if=none,id=cd0,media=cdrom,readonly=on" in q35
    assert not any("pcie-root-port" in a for a in argv(machine="pc"))


def test_direct_kernel_boot():
    line = argv(direct=(Path("/k/vmlinuz"), Path("/k/initrd.img"), "console=ttyS0 x=1"))
    assert line[-6:] == ["-kernel", "/k/vmlinuz", "-initrd", "/k/initrd.img", "-append",
                         "console=ttyS0 x=1"]


def test_booted_line():
    found = vm.BOOTED.search("\r\nstackinstall-guest booted: hostname=vm-1 address=10.0.0.5 "
                             "metadata=config-drive\r\n")
    assert found and found.groupdict() == {"hostname": "vm-1", "address": "10.0.0.5",
                                           "metadata": "config-drive"}

import shlex
import subprocess
from pathlib import Path

import pytest

from installer.preflight import probe
from installer.preflight.facts import DeviceFacts, DiskFree, Listener
from installer.preflight.probe import parse, parse_device, parse_listeners, script, sections

from .conftest import DATA, facts_of, probe_text


def test_controller_facts_from_a_real_lab_node():
    facts = facts_of("openstack1")
    assert facts.uid == 0 and facts.user == "root"
    assert facts.hostname == "openstack1"
    assert len(facts.machine_id) == 32
    assert facts.cpus == 2
    assert facts.memory_kib == 24683656
    assert facts.disks == (DiskFree("/", 78356532, "/"), DiskFree("/var", 78356532, "/"))
    assert "10.233.0.11" in facts.addresses and "::1" in facts.addresses
    assert facts.interfaces == ("eth0", "eth1", "lo")
    assert facts.kvm is False
    assert facts.python3 == "3.11.2"
    assert Listener(9292, "0.0.0.0", "python3 (pid 158)") in (facts.listeners or ())
    assert Listener(22, "::", "sshd (pid 35)") in (facts.listeners or ())
    assert facts.units["mariadb"] == "inactive"
    assert "ID=debian" in facts.os_release


def test_devices_a_character_device_and_a_missing_one():
    facts = facts_of("openstack4")
    assert facts.devices["/dev/null"] == DeviceFacts("/dev/null", "not-block")
    assert facts.devices["/dev/sdz"] == DeviceFacts("/dev/sdz", "missing")


def test_a_mounted_disk_and_an_empty_loop_device_on_this_host():
    found = sections((DATA / "devices-host.txt").read_text())
    vda = parse_device("/dev/vda", found["device /dev/vda"])
    assert vda.kind == "block" and vda.tree == (("/dev/vda", "disk", "/", ""),)
    loop = parse_device("/dev/loop7", found["device /dev/loop7"])
    assert loop == DeviceFacts("/dev/loop7", "block")


def test_lsblk_children_holders_and_escaped_names():
    dev = parse_device("/dev/sdb", ["block", "tree /dev/sdb disk  LVM2_member",
                                    r"tree /dev/mapper/vg-a\x20b lvm /srv\x20x ext4",
                                    "signature LVM2_member", "vg vg", "holder dm-0"])
    assert dev.tree[1] == ("/dev/mapper/vg-a b", "lvm", "/srv x", "ext4")
    assert dev.signature == "LVM2_member" and dev.holders == ("dm-0",)
    assert dev.volume_group == "vg"
    assert parse_device("/dev/sdc", ["block", "signature ", "vg "]).volume_group == ""


def test_missing_ss_is_told_apart_from_no_listeners():
    assert parse_listeners(["ss-missing"]) is None
    assert parse_listeners([]) == ()


def test_a_node_that_prints_nothing_gives_empty_facts_not_an_error():
    facts = parse("")
    assert facts.uid is None and facts.cpus is None and facts.memory_kib is None
    assert facts.disks == () and facts.python3 == ""


def test_script_asks_for_the_given_units_and_devices_quoted():
    text = script(["mariadb", "tgt"], ["/dev/sd b"])
    assert "for u in mariadb tgt; do" in text
    assert "::device %s::" not in text and "s device '/dev/sd b'" in text
    assert "for p in / /var; do" in text


def test_captured_output_has_every_section():
    assert set(sections(probe_text("openstack1"))) >= {
        "os", "uid", "hostname", "machine_id", "cpus", "memory", "disk", "addresses",
        "interfaces", "kvm", "python", "listeners", "units"}


def _a_block_device() -> str | None:
    for entry in sorted(Path("/sys/class/block").iterdir()):
        node = Path("/dev") / entry.name
        if node.is_block_device():
            return str(node)
    return None


def test_the_probe_names_the_osd_whose_block_links_to_the_device(tmp_path):
    """The device part of the probe run for real by bash, against a block device of this
    machine (read only) and an OSD directory whose ``block`` links to it."""
    device = _a_block_device()
    if device is None:
        pytest.skip("this machine shows no block device in /dev")
    osd = tmp_path / "ceph-0"
    osd.mkdir()
    (osd / "block").symlink_to(device)
    (tmp_path / "ceph-1").mkdir()
    (tmp_path / "ceph-1" / "block").symlink_to("/dev/null")
    snippet = "s() { printf '::%s::\\n' \"$*\"; }\n" + probe._DEVICE.format(
        q=shlex.quote(device), osd_root=shlex.quote(str(tmp_path)))
    out = subprocess.run(["bash", "-c", snippet], capture_output=True, text=True, check=False)
    found = sections(out.stdout)
    assert parse_device(device, found[f"device {device}"]).osd == str(osd)

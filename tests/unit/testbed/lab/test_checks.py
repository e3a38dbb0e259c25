from __future__ import annotations

import pytest

from installer.errors import LabError
from installer.testbed.lab import checks


def test_missing_tools_name_their_debian_package():
    tools = (checks.Tool("sh", "dash"), checks.Tool("no-such-tool-xyz", "no-such-package"),
             checks.Tool("no-such-tool-abc", "no-such-package"))
    assert checks.missing_packages(tools) == ["no-such-package"]


def test_the_host_tools_of_this_machine_are_present():
    # the CI and this host install systemd-container, debootstrap and apt-cacher-ng
    assert checks.missing_packages() == []


def test_not_enough_memory_is_a_clear_error(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 2000000 kB\nMemAvailable: 1000000 kB\n")
    assert checks.mem_available(meminfo) == 1000000 * 1024
    with pytest.raises(LabError, match="not enough memory for 4 lab nodes"):
        checks.require_resources(4, True, tmp_path, meminfo)
    checks.require_resources(1, True, tmp_path, meminfo)


def test_not_enough_disk_is_a_clear_error(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemAvailable: 999999999 kB\n")
    with pytest.raises(LabError, match="not enough disk for 99999 lab nodes") as exc:
        checks.require_resources(99999, False, tmp_path / "not" / "yet", meminfo)
    assert "fewer --nodes" in (exc.value.hint or "")


def test_disk_need_counts_the_image_only_when_not_cached():
    assert checks.need_disk(2, True) + checks.IMAGE_DISK == checks.need_disk(2, False)


def test_vm_tools_are_checked_with_their_packages_named():
    assert checks.missing_packages(checks.VM_TOOLS) == []  # setup.sh installs them
    fake = (checks.Tool("no-such-qemu-xyz", "qemu-system-x86"),)
    with pytest.raises(LabError, match="qemu-system-x86") as exc:
        checks.require_tools(False, fake)
    assert "--install-missing" in (exc.value.hint or "")


def test_vm_memory_counts_on_top_of_the_nodes(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemAvailable: 2097152 kB\n")  # 2 GiB
    checks.require_resources(1, True, tmp_path, meminfo)
    with pytest.raises(LabError, match="not enough memory for 1 lab nodes"):
        checks.require_resources(1, True, tmp_path, meminfo, vm_memory=2048 * checks.MIB)

"""End to end: two real lab nodes come up, talk to each other and to the apt proxy, survive a
lost node, and `lab down` leaves the host as it found it (except the guard routes).

Run alone with ``pytest -m lab tests/e2e/test_lab.py`` (as root, with systemd-container,
debootstrap and apt-cacher-ng installed). It uses its own lab name and subnet so it never
touches a lab somebody else is using.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from labcli import cli, processes_of, skip_unless_lab_host

from installer.testbed.lab.paths import LabPaths

pytestmark = pytest.mark.lab

LAB = "citest"
SUBNET = "10.219.0.0/24"
PROVIDER = "10.219.1.0/24"
PATHS = LabPaths.for_lab(LAB)

skip_unless_lab_host()


def on(node: str, command: str, timeout: float = 300) -> str:
    return cli("ssh", "--name", LAB, node, "--", command, timeout=timeout).stdout


def state() -> dict:
    return json.loads(PATHS.state_file.read_text())


def _foreign(line: str) -> bool:
    """Lines that belong to another lab someone may bring up or down meanwhile."""
    devs = re.findall(r"\b(si-[a-z0-9]+)-", line)
    if devs and not all(d == f"si-{LAB}" for d in devs):
        return True
    return line.startswith("unreachable ") and not line.startswith(
        (f"unreachable {SUBNET} ", f"unreachable {PROVIDER} "))


def snapshot() -> dict[str, list[str]]:
    def lines(*argv: str) -> list[str]:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        return sorted(x.strip() for x in out.splitlines() if x.strip() and not _foreign(x))

    return {
        "route": lines("ip", "route"),
        "netns": lines("ip", "netns", "list"),
        "links": sorted(
            x.split("@")[0] for x in lines("ip", "-br", "link") for x in [x.split()[0]]
        ),
        "mounts": sorted(
            line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if f"/lab/{LAB}/" in line
        ),
        "cgroups": sorted(str(p) for p in Path("/sys/fs/cgroup").glob(f"*/si-{LAB}")),
    }


def lab_processes() -> list[str]:
    return processes_of(LAB)


@pytest.fixture(scope="module")
def lab_baseline():
    """Make sure no earlier run is left, the guard exists, then snapshot the host."""
    cli("down", "--name", LAB, "--subnet", SUBNET, "--keep-image")
    before = snapshot()
    assert f"unreachable {SUBNET} metric 65000" in before["route"]
    yield before
    if PATHS.state_file.exists():  # a failed test must not leave the lab behind
        cli("down", "--name", LAB, "--keep-image", check=False)


@pytest.fixture(scope="module")
def lab_up(lab_baseline):
    started = time.monotonic()
    result = cli("up", "--name", LAB, "--nodes", "2", "--subnet", SUBNET)
    print(f"lab up: {time.monotonic() - started:.1f} s")
    assert "started openstack1, openstack2" in result.stdout
    return result


def test_nodes_boot_with_systemd_and_answer_ssh(lab_up):
    for node, address in (("openstack1", "10.219.0.11"), ("openstack2", "10.219.0.12")):
        assert on(node, "hostname").strip() == node
        assert on(node, "systemctl is-system-running").strip() in ("running", "degraded")
        addrs = on(node, "ip -4 -o addr show dev eth0")
        assert f"{address}/24" in addrs
        assert on(node, "ip -o link show dev eth1").strip()


def test_nodes_have_no_default_route_and_reach_each_other(lab_up):
    for node in ("openstack1", "openstack2"):
        routes = [r.strip() for r in on(node, "ip route").strip().splitlines()]
        assert routes == [f"{SUBNET} dev eth0 proto kernel scope link src "
                          f"10.219.0.{11 if node == 'openstack1' else 12}"]
    assert "1 received" in on("openstack1", "ping -c 1 -W 3 openstack2")
    assert "1 received" in on("openstack2", "ping -c 1 -W 3 10.219.0.11")


def test_packages_come_through_the_lab_proxy(lab_up):
    on("openstack2", "apt-get update -q")
    on("openstack2", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q hello")
    assert "Hello, world!" in on("openstack2", "hello")
    log = (PATHS.proxy_dir / "log" / "apt-cacher.log").read_text()
    assert re.search(r"\|10\.219\.0\.12\|debrep/pool/main/h/hello/hello_", log), log[-2000:]


def test_answer_file_is_valid_for_the_lab(lab_up):
    from installer.answers import load

    dep = load(PATHS.answers)
    assert [n.address for n in dep.nodes] == ["10.219.0.11", "10.219.0.12"]
    assert dep.repos.proxy == "http://10.219.0.1:3142"


def test_status_lists_running_nodes_with_memory(lab_up):
    out = cli("status", "--name", LAB).stdout
    for node in ("openstack1", "openstack2"):
        row = next(line for line in out.splitlines() if node in line)
        assert "running" in row and "MiB" in row


def test_up_again_changes_nothing(lab_up):
    before = state()
    result = cli("up", "--name", LAB, "--nodes", "2", "--subnet", SUBNET)
    assert "already running: openstack1, openstack2" in result.stdout
    assert state() == before


def test_up_restarts_only_a_lost_node(lab_up):
    """A crash-like loss of one node: nspawn killed (its container init orphaned), mount and
    namespace gone, state file stale. `lab up` ends the orphan and restarts only that node."""
    before = state()
    lost = before["nodes"][1]
    on("openstack2", "echo '# written on the node' >> /etc/hosts")
    os.kill(lost["process"]["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{lost['process']['pid']}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    subprocess.run(["umount", lost["mount"]], check=True)
    subprocess.run(["ip", "netns", "del", lost["netns"]], check=True)

    result = cli("up", "--name", LAB, "--nodes", "2", "--subnet", SUBNET)
    assert "started openstack2" in result.stdout
    assert "ended an orphaned container init" in result.stderr
    after = state()
    assert after["nodes"][0]["process"] == before["nodes"][0]["process"]
    assert after["nodes"][1]["process"]["pid"] != lost["process"]["pid"]
    assert on("openstack2", "cat /etc/hostname").strip() == "openstack2"
    # the restart configured nothing again: the node's own change to /etc/hosts is kept
    assert "# written on the node" in on("openstack2", "cat /etc/hosts")
    # its disk survived: the package installed earlier is still there
    assert "Hello, world!" in on("openstack2", "hello")
    assert "1 received" in on("openstack1", "ping -c 1 -W 3 openstack2")


def test_down_leaves_the_host_as_before(lab_baseline, lab_up):
    recorded = state()
    pids = [n["process"]["pid"] for n in recorded["nodes"]] + [recorded["proxy"]["pid"]]
    cli("down", "--name", LAB, "--keep-image")
    assert not PATHS.root.exists()
    assert snapshot() == lab_baseline
    assert lab_processes() == []
    assert [p for p in pids if Path(f"/proc/{p}").exists()] == []
    # the guard is what makes the subnet unreachable now
    probe = subprocess.run(["ip", "route", "get", "10.219.0.11"], capture_output=True, text=True)
    assert probe.returncode != 0 or "unreachable" in probe.stdout


def test_a_subnet_in_use_on_the_host_is_refused():
    """A foreign link with an address in the requested subnet: `lab up` creates nothing."""
    dummy, cidr = "sitestcollide0", "10.223.0.0/24"
    # no dummy module on this kernel: a veth pair (both ends on the host) serves as well
    subprocess.run(["ip", "link", "add", dummy, "type", "veth", "peer", "name", "sitestcollide1"],
                   check=True)
    try:
        subprocess.run(["ip", "addr", "add", "10.223.0.5/24", "dev", dummy], check=True)
        result = cli("up", "--name", "citestc", "--nodes", "1", "--subnet", cidr, check=False)
        assert result.returncode == 5
        assert f"subnet {cidr} is already in use" in result.stderr + result.stdout
        assert not LabPaths.for_lab("citestc").state_file.exists()
        assert not LabPaths.for_lab("citestc").lock_file.exists()
        assert "si-citestc-" not in subprocess.run(["ip", "-br", "link"], capture_output=True,
                                                   text=True, check=True).stdout
    finally:
        subprocess.run(["ip", "link", "del", dummy], check=True)

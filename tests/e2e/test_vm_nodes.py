"""End to end: VM nodes (qemu guests) beside containers in one lab.

Opt-in (``STACKINSTALL_E2E_VM=1``): it builds the VM image (a few minutes the first time) and
boots a guest, under TCG where KVM does not really work. Its own lab:
``$STACKINSTALL_E2E_VM_LAB`` (default ``vmn``), ``$STACKINSTALL_E2E_VM_SUBNET`` (default
``10.227.0.0/24``), ``$STACKINSTALL_E2E_VM_NODES`` nodes (default 4) of which
``$STACKINSTALL_E2E_VM_CHOICE`` are VMs (default ``storage``: one VM; ``compute,storage`` on
a host with room for two). It proves: containers and VMs come up; each VM answers SSH with
the lab key, reaches every other node over the management bridge, has its data disk
(``vgcreate`` on it) and the kernel modules the container lab lacks; `lab status` shows it;
a qemu killed from the host comes back with `lab up`, its disk intact; `lab down` leaves no
qemu, tap, overlay, socket or route of the lab but the guard. Figures are printed (``-s``).
Run alone: ``STACKINSTALL_E2E_VM=1 pytest -m lab -s tests/e2e/test_vm_nodes.py`` (as root).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from labcli import cli, processes_of, skip_unless_lab_host

from installer.testbed.lab import vm, vmimage
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.topology import default_provider_cidr

pytestmark = pytest.mark.lab

if os.environ.get("STACKINSTALL_E2E_VM") != "1":
    pytest.skip("VM nodes boot qemu guests (TCG here): set STACKINSTALL_E2E_VM=1 to run",
                allow_module_level=True)
skip_unless_lab_host()

LAB = os.environ.get("STACKINSTALL_E2E_VM_LAB", "vmn")
SUBNET = os.environ.get("STACKINSTALL_E2E_VM_SUBNET", "10.227.0.0/24")
NODES = os.environ.get("STACKINSTALL_E2E_VM_NODES", "4")
CHOICE = os.environ.get("STACKINSTALL_E2E_VM_CHOICE", "storage")
PATHS = LabPaths.for_lab(LAB)
MODULES = ("dm_mod", "dm_thin_pool", "iscsi_tcp", "configfs", "target_core_mod", "openvswitch",
           "br_netfilter")


def figure(text: str) -> None:
    print(f"\nFIGURE {time.strftime('%Y-%m-%d')} {text}")


def status() -> dict:
    return json.loads(cli("status", "--name", LAB, "--json").stdout)


def ssh(node: str, command: str, check: bool = True) -> subprocess.CompletedProcess:
    return cli("ssh", "--name", LAB, node, "--", command, check=check, timeout=300)


@pytest.fixture(scope="module")
def lab():
    cli("down", "--name", LAB, "--subnet", SUBNET, "--keep-image")
    started = time.monotonic()
    up = cli("up", "--name", LAB, "--subnet", SUBNET, "--nodes", NODES, "--vm", CHOICE,
             timeout=3600)
    figure(f"lab up ({NODES} nodes, VMs: {CHOICE}, image cached or built): "
           f"{time.monotonic() - started:.0f} s")
    print(up.stdout)
    yield
    if PATHS.root.exists():  # a failed test must not leave the lab behind
        cli("down", "--name", LAB, "--keep-image", check=False)


def vms() -> list[dict]:
    return [n for n in status()["nodes"] if n["kind"] == "vm"]


def test_containers_and_vms_are_up_and_shown(lab):
    nodes = status()["nodes"]
    assert len(nodes) == int(NODES)
    wanted = set(CHOICE.split(","))
    for node in nodes:
        is_vm = node["name"] in wanted or bool(wanted & set(node["roles"]))
        assert node["kind"] == ("vm" if is_vm else "container"), node
        assert node["state"] == "running" and node["pid"], node
        assert node["systemd"] in ("running", "degraded"), node
    assert vms(), "no VM node"
    for node in vms():
        assert node["memory_bytes"] > 64 * 2**20 and node["vm"]["memory_mib"] >= 512
        assert vm.lab_qemus(LAB, node["name"]) == [node["pid"]]
        figure(f"{node['name']} qemu RSS after boot: {node['memory_bytes'] / 2**20:.0f} MiB "
               f"({node['vm']['memory_mib']} MiB, {node['vm']['cpus']} vCPU)")
    table = cli("status", "--name", LAB).stdout
    assert "vm 1 vCPU" in table or "vm 2 vCPU" in table
    image = json.loads(PATHS.state_file.read_text())["vm_image"]
    manifest = json.loads((vmimage.VmImage(Path(image)).manifest).read_text())
    figure(f"VM image {manifest['suite']} ({manifest['kernel']}): built in "
           f"{manifest['build_seconds']} s (debootstrap {manifest['debootstrap_seconds']} s)")


def test_vms_answer_ssh_and_reach_every_other_node(lab):
    everyone = status()["nodes"]
    for node in vms():
        assert ssh(node["name"], "hostname").stdout.strip() == node["name"]
        for other in everyone:
            if other["name"] != node["name"]:
                ssh(node["name"], f"ping -c 1 -W 5 {other['address']}")


def test_vms_have_their_data_disk_and_the_kernel_modules(lab):
    for node in vms():
        size = ssh(node["name"], "lsblk -bdno SIZE /dev/disk/by-id/virtio-data").stdout
        assert int(size) == node["vm"]["data_disk_gib"] * 2**30
        ssh(node["name"], "modprobe -a " + " ".join(MODULES))
        loaded = ssh(node["name"], "cat /proc/modules").stdout
        for module in MODULES:
            assert f"{module} " in loaded, module
        ssh(node["name"], "pvcreate -q /dev/vdb && vgcreate -q e2e /dev/vdb && "
            "lvcreate -q -L 64m -n probe e2e && test -b /dev/e2e/probe && "
            "vgremove -q -f e2e && pvremove -q /dev/vdb")


def test_a_qemu_killed_from_the_host_comes_back_with_lab_up(lab):
    node = vms()[0]
    ssh(node["name"], "echo kept > /root/e2e-marker && sync")
    os.kill(node["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while vm.lab_qemus(LAB, node["name"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    after = {n["name"]: n for n in status()["nodes"]}[node["name"]]
    assert after["state"] == "stopped" and after["pid"] is None
    started = time.monotonic()
    cli("up", "--name", LAB, timeout=900)
    figure(f"{node['name']} restart (qemu start to sshd and systemd up, TCG or KVM as "
           f"probed): {time.monotonic() - started:.0f} s")
    back = {n["name"]: n for n in status()["nodes"]}[node["name"]]
    assert back["state"] == "running" and back["pid"] != node["pid"]
    assert ssh(node["name"], "cat /root/e2e-marker").stdout.strip() == "kept"
    figure(f"{node['name']} guest boot: "
           + ssh(node["name"], "systemd-analyze | head -1").stdout.strip())
    uptime = float(ssh(node["name"], "cut -d' ' -f1 /proc/uptime").stdout)
    assert uptime < time.monotonic() - started + 60  # a new boot, not the old guest


def test_down_leaves_no_qemu_tap_overlay_socket_or_route(lab):
    files = [vm.VmFiles(PATHS.node_dir(n["name"])) for n in vms()]
    assert all(f.overlay.exists() and f.qmp.exists() for f in files)
    cli("down", "--name", LAB, "--keep-image")
    assert vm.lab_qemus(LAB) == []
    assert processes_of(LAB) == []
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True,
                           check=True).stdout
    assert [x for x in links.splitlines() if x.startswith(f"si-{LAB}-")] == []
    assert not PATHS.root.exists()
    assert not any(f.overlay.exists() or f.qmp.exists() or f.data.exists() for f in files)
    routes = json.loads(subprocess.run(["ip", "-j", "route", "show", "table", "main"],
                                       capture_output=True, text=True, check=True).stdout)
    ours = {SUBNET, default_provider_cidr(SUBNET)}
    subnet_routes = [r for r in routes if r.get("dst") in ours]
    assert subnet_routes and all(r.get("type") == "unreachable" for r in subnet_routes), \
        subnet_routes  # only the guard routes stay, by design

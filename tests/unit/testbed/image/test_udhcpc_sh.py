"""The guest's udhcpc event script, run for real; `ip` and `hostname` only record their calls."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[4] / "installer" / "testbed" / "image" / "udhcpc.sh"
BUSYBOX = shutil.which("busybox")
SHELLS = [
    pytest.param([BUSYBOX, "sh"] if BUSYBOX else [], id="busybox",
                 marks=pytest.mark.skipif(not BUSYBOX, reason="busybox-static not installed")),
    pytest.param(["sh"], id="host-sh"),
]


def event(shell, tmp_path: Path, name: str, **lease: str) -> list[str]:
    """Run the script for ``name``; return the `ip` calls it made, one string each."""
    log = tmp_path / "ip.log"
    log.write_text("")
    # shell functions win over busybox's own applets and over PATH
    fakes = (f'ip() {{ echo "$*" >> {log}; }}\n'
             f'hostname() {{ echo "hostname $*" >> {log}; }}\n')
    env = {"PATH": "/usr/bin:/bin", "STATE": str(tmp_path / "state"),
           "RESOLV_CONF": str(tmp_path / "resolv.conf"), "interface": "eth0", **lease}
    done = subprocess.run([*shell, "-c", f'{fakes}. "{SCRIPT}"', "udhcpc.sh", name], env=env,
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines()


@pytest.mark.parametrize("shell", SHELLS)
def test_bound_sets_address_mtu_default_route_and_resolv_conf(shell, tmp_path):
    calls = event(shell, tmp_path, "bound", ip="10.0.0.5", subnet="255.255.255.192",
                  router="10.0.0.1 10.0.0.2", dns="10.0.0.2 10.0.0.3", domain="openstack.lan",
                  mtu="1450", hostname="host-10-0-0-5")
    assert calls == [
        "link set dev eth0 mtu 1450",
        "-4 addr flush dev eth0",
        "addr add 10.0.0.5/26 broadcast + dev eth0",
        "route add default via 10.0.0.1 dev eth0 metric 0",
        "route add default via 10.0.0.2 dev eth0 metric 1",
        "hostname host-10-0-0-5",
    ]
    assert (tmp_path / "resolv.conf").read_text() == (
        "search openstack.lan\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n")
    assert (tmp_path / "state" / "address").read_text() == "10.0.0.5\n"


@pytest.mark.parametrize("shell", SHELLS)
def test_classless_static_routes_replace_the_router_option(shell, tmp_path):
    calls = event(shell, tmp_path, "bound", ip="192.168.7.20", subnet="255.255.255.0",
                  router="192.168.7.1",
                  staticroutes="169.254.169.254/32 192.168.7.2 10.9.0.0/16 0.0.0.0 "
                               "0.0.0.0/0 192.168.7.1")
    assert calls == [
        "-4 addr flush dev eth0",
        "addr add 192.168.7.20/24 broadcast + dev eth0",
        "route replace 169.254.169.254/32 via 192.168.7.2 dev eth0",
        "route replace 10.9.0.0/16 dev eth0",
        "route replace default via 192.168.7.1 dev eth0",
    ]
    assert not any("mtu" in call for call in calls)


@pytest.mark.parametrize("shell", SHELLS)
def test_renew_with_the_same_address_keeps_it(shell, tmp_path):
    event(shell, tmp_path, "bound", ip="10.0.0.5", subnet="255.255.255.0", router="10.0.0.1")
    calls = event(shell, tmp_path, "renew", ip="10.0.0.5", subnet="255.255.255.0",
                  router="10.0.0.1", dns="10.0.0.9")
    assert calls == []
    assert (tmp_path / "resolv.conf").read_text() == "nameserver 10.0.0.9\n"
    moved = event(shell, tmp_path, "renew", ip="10.0.0.6", subnet="255.255.255.0")
    assert "addr add 10.0.0.6/24 broadcast + dev eth0" in moved


@pytest.mark.parametrize("shell", SHELLS)
def test_deconfig_flushes_and_leasefail_changes_nothing(shell, tmp_path):
    assert event(shell, tmp_path, "deconfig") == ["-4 addr flush dev eth0", "link set dev eth0 up"]
    assert event(shell, tmp_path, "leasefail") == []
    assert not (tmp_path / "state" / "address").exists()

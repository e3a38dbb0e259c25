"""Lab test: `stackinstall preflight` against two real lab nodes, each failure made for real.

One small lab ``pf`` (10.231.0.0/24, 2 nodes: openstack1 controller+network+storage,
openstack2 compute) is shared by every case through a module fixture and taken down at the
end (keeping the image cache). Each case writes a variant of the lab's answer file and
breaks a node only in ways it undoes: a foreign listener (a transient unit), a user without
sudo, a hostname in the container's own UTS namespace.

Not provable here, so unit-tested only (tests/unit/preflight): clock skew (the nodes share the
host's kernel clock, and a node's clock must never be set), an address the node does not own
and two nodes that are one machine (the lab gives each node its own), a used block device.

Run alone with ``pytest -m lab tests/e2e/test_preflight.py`` as root (about a minute).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest
import yaml

from installer.lab.checks import missing_packages
from installer.lab.paths import LabPaths

pytestmark = pytest.mark.lab

LAB = "pf"
SUBNET = "10.231.0.0/24"
PATHS = LabPaths.for_lab(LAB)
NODES = ("openstack1", "openstack2")
BASE_CHECKS = {"ssh login", "root or sudo", "os and release", "python3", "cpus", "memory",
               "disk /", "disk /var", "hostname", "address", "clock", "unique machine"}
USER = "pfcheck"

if os.geteuid() != 0 or missing_packages():
    pytest.skip("the preflight lab test needs root and systemd-container, debootstrap, "
                "apt-cacher-ng", allow_module_level=True)


def stackinstall(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "installer", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def on(node: str, command: str) -> str:
    proc = stackinstall("lab", "ssh", "--name", LAB, node, "--", command)
    assert proc.returncode == 0, f"{node}: {command}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def listen(node: str, unit: str, port: int) -> None:
    """Start ``python3 -m http.server PORT`` as transient unit ``unit``; wait until it listens."""
    on(node, f"systemd-run --unit {unit} python3 -m http.server {port}")
    deadline = time.monotonic() + 30
    while f":{port} " not in on(node, f"ss -Hltn 'sport = :{port}'") + " ":
        assert time.monotonic() < deadline, f"{unit} does not listen on {port}"
        time.sleep(0.5)


def preflight(answers: Path) -> tuple[int, dict[str, Any]]:
    started = time.monotonic()
    proc = stackinstall("preflight", str(answers), "--json")
    print(f"preflight {answers.name}: exit {proc.returncode} in "
          f"{time.monotonic() - started:.1f} s")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def rows(report: dict[str, Any], status: str | None = None) -> dict[tuple[str, str], dict]:
    return {(r["node"], r["check"]): r for r in report["results"]
            if status is None or r["status"] == status}


def problems(report: dict[str, Any]) -> set[tuple[str, str]]:
    return set(rows(report, "fail"))


@pytest.fixture(scope="module")
def lab() -> Iterator[Path]:
    stackinstall("lab", "down", "--name", LAB, "--keep-image", timeout=900)  # an old run's
    up = stackinstall("lab", "up", "--name", LAB, "--subnet", SUBNET, "--nodes", "2",
                      timeout=1800)
    try:
        assert up.returncode == 0, f"{up.stdout}\n{up.stderr}"
        deadline = time.monotonic() + 90  # sshd starts a moment after the containers
        while True:
            _code, report = preflight(PATHS.answers)
            logged_in = {n for (n, c) in rows(report, "pass") if c == "ssh login"}
            if logged_in == set(NODES) or time.monotonic() > deadline:
                break
            time.sleep(2)
        yield PATHS.answers
    finally:
        down = stackinstall("lab", "down", "--name", LAB, "--keep-image", timeout=900)
        assert down.returncode == 0, f"{down.stdout}\n{down.stderr}"


@pytest.fixture
def variant(lab: Path, tmp_path: Path):
    """Write the lab's answer file with changes (section -> {key: value})."""

    def write(**changes: dict[str, Any]) -> Path:
        data = yaml.safe_load(lab.read_text())
        data["deployment"]["secrets_file"] = str(PATHS.secrets)
        for section, values in changes.items():
            data[section].update(values)
        path = tmp_path / f"answers-{len(list(tmp_path.glob('answers-*')))}.yml"
        path.write_text(yaml.safe_dump(data))
        return path

    return write


def test_a_fresh_lab_passes_every_check(lab: Path):
    code, report = preflight(lab)
    assert code == 0 and report["status"] == "passed", problems(report)
    assert report["nodes"] == list(NODES) and report["problems"] == 0
    checks = {node: {c for (n, c) in rows(report) if n == node} for node in NODES}
    for node in NODES:
        assert checks[node] >= BASE_CHECKS, checks[node]
    assert "provider interface" in checks["openstack1"] | checks["openstack2"]
    assert {"port 3306", "port 5000", "port 9292", "port 80"} <= checks["openstack1"]
    assert not any(c.startswith("port ") for c in checks["openstack2"])
    login = rows(report)[("openstack1", "ssh login")]
    assert login["found"].startswith("logged in as root (ssh-ed25519 SHA256:")


def test_a_key_that_is_refused_and_one_that_is_missing(variant, tmp_path: Path):
    other = tmp_path / "other_key"
    paramiko.RSAKey.generate(2048).write_private_key_file(str(other))
    code, report = preflight(variant(ssh={"private_key": str(other)}))
    assert code == 6
    # an unreachable node is one row; every node is still tried
    assert [(r["node"], r["check"]) for r in report["results"]] == [
        ("openstack1", "ssh login"), ("openstack2", "ssh login")]
    assert all("refused the key" in r["found"] for r in report["results"])

    code, report = preflight(variant(ssh={"private_key": str(tmp_path / "nope")}))
    assert code == 6
    assert all("does not exist" in r["found"] and "ssh-keygen" in r["fix"]
               for r in report["results"])


def test_a_foreign_listener_is_named_and_our_own_service_is_not(lab: Path):
    listen("openstack1", "si-pf-http", 9292)
    try:
        code, report = preflight(lab)
        assert code == 6
        assert problems(report) == {("openstack1", "port 9292")}
        row = rows(report)[("openstack1", "port 9292")]
        assert "python3 (pid " in row["found"] and ":9292" in row["found"]
        assert row["expected"] == "free for glance"
    finally:
        on("openstack1", "systemctl stop si-pf-http")
    # a unit with the service's own name holding its port: a deployed node, not a problem
    listen("openstack1", "memcached", 11211)
    try:
        code, report = preflight(lab)
        assert code == 0, problems(report)
        assert rows(report)[("openstack1", "port 11211")]["found"].startswith(
            "held by memcached")
    finally:
        on("openstack1", "systemctl stop memcached")


def test_a_host_key_the_deployment_knows_otherwise(variant, tmp_path: Path):
    answers = variant()
    known = answers.parent / "deployments" / yaml.safe_load(answers.read_text())[
        "deployment"]["name"] / "known_hosts"
    known.parent.mkdir(parents=True)
    impostor = paramiko.Ed25519Key.from_private_key_file(str(PATHS.private_key))
    known.write_text(f"10.231.0.11 ssh-ed25519 {impostor.get_base64()}\n")
    code, report = preflight(answers)
    assert code == 6
    assert problems(report) == {("openstack1", "ssh login")}
    assert "differs from the one in" in rows(report)[("openstack1", "ssh login")]["found"]


def test_missing_provider_interface(variant):
    code, report = preflight(variant(network={"provider_interface": "eth7"}))
    assert code == 6
    assert problems(report) == {("openstack1", "provider interface"),
                                ("openstack2", "provider interface")}
    assert "interfaces: eth0, eth1" in rows(report)[("openstack2", "provider interface")][
        "found"]


def test_devices_that_are_not_usable_block_devices(variant):
    code, report = preflight(variant(cinder={"backend": "device", "device": "/dev/null"}))
    assert code == 6
    assert problems(report) == {("openstack1", "device /dev/null")}
    assert rows(report)[("openstack1", "device /dev/null")]["found"] == (
        "/dev/null is not a block device")
    code, report = preflight(variant(ceph={"osd_devices": ["/dev/sdz"]}))
    assert code == 6
    assert problems(report) == {("openstack1", "device /dev/sdz")}
    assert "does not exist" in rows(report)[("openstack1", "device /dev/sdz")]["found"]


def test_kvm_on_the_compute_node(variant):
    has_kvm = on("openstack2", "test -c /dev/kvm && echo yes || echo no").strip() == "yes"
    code, report = preflight(variant(nova={"virt_type": "kvm"}))
    row = rows(report)[("openstack2", "kvm")]
    assert ("openstack1", "kvm") not in rows(report)
    if has_kvm:
        assert code == 0 and row["status"] == "pass"
    else:
        assert code == 6 and row["status"] == "fail" and row["found"] == "no /dev/kvm"


def test_a_release_or_distro_the_nodes_do_not_install(variant):
    # Epoxy has no linuxbridge: the answer file must name openvswitch to be valid at all
    code, report = preflight(variant(deployment={"release": "epoxy"},
                                     network={"mechanism_driver": "openvswitch"}))
    assert code == 6
    assert problems(report) == {(n, "os and release") for n in NODES}
    row = rows(report)[("openstack1", "os and release")]
    assert "Debian GNU/Linux 12" in row["found"] and "installs zed" in row["found"]
    code, report = preflight(variant(deployment={"distro": "ubuntu"}))
    assert code == 6
    assert "deployment.distro: debian" in rows(report)[("openstack2", "os and release")]["fix"]


def test_not_root_needs_become_and_passwordless_sudo(lab: Path, variant):
    for node in NODES:
        on(node, f"id {USER} >/dev/null 2>&1 || useradd -m -s /bin/sh {USER}; "
                 f"install -d -m 700 -o {USER} /home/{USER}/.ssh; "
                 f"install -m 600 -o {USER} /root/.ssh/authorized_keys /home/{USER}/.ssh/; "
                 f"rm -f /etc/sudoers.d/{USER}")
    try:
        code, report = preflight(variant(ssh={"user": USER, "become": False}))
        assert code == 6
        assert problems(report) == {(n, "root or sudo") for n in NODES}
        assert "ssh.become is false" in rows(report)[("openstack1", "root or sudo")]["found"]

        code, report = preflight(variant(ssh={"user": USER, "become": True}))
        assert code == 6
        assert problems(report) == {(n, "root or sudo") for n in NODES}
        row = rows(report)[("openstack2", "root or sudo")]
        assert "sudo -n true failed" in row["found"] and "NOPASSWD" in row["fix"]

        on("openstack2", f"echo '{USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/{USER} && "
                         f"chmod 440 /etc/sudoers.d/{USER}")
        code, report = preflight(variant(ssh={"user": USER, "become": True}))
        assert problems(report) == {("openstack1", "root or sudo")}
        assert rows(report)[("openstack2", "root or sudo")]["status"] == "pass"
    finally:
        for node in NODES:
            on(node, f"rm -f /etc/sudoers.d/{USER}; userdel -r {USER} 2>/dev/null; true")


def test_another_hostname_is_only_a_warning(lab: Path):
    on("openstack2", "hostname pf-renamed")
    try:
        code, report = preflight(lab)
        assert code == 0, problems(report)
        row = rows(report)[("openstack2", "hostname")]
        assert row["status"] == "warn" and row["found"] == "pf-renamed"
        assert report["warnings"] == 1
    finally:
        on("openstack2", "hostname openstack2")


def test_deploy_stops_before_any_phase_when_preflight_fails(variant):
    answers = variant(network={"provider_interface": "eth7"})
    proc = stackinstall("deploy", str(answers))
    assert proc.returncode == 6, f"{proc.stdout}\n{proc.stderr}"
    assert "provider interface" in proc.stderr and "--skip-preflight" in proc.stderr
    deploy_dir = answers.parent / "deployments" / yaml.safe_load(answers.read_text())[
        "deployment"]["name"]
    assert not (deploy_dir / "runs").exists() or not any((deploy_dir / "runs").iterdir())

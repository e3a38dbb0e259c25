"""Lab test: `stackinstall preflight` against three real lab nodes, each failure made for real.

One small lab ``pf`` (10.231.0.0/24, 3 nodes: openstack1 controller+storage, openstack2
network, openstack3 compute) is shared by every case through a module fixture and taken down
at the end (keeping the image cache). Each case writes a variant of the lab's answer file and
breaks a node only in ways it undoes in ``finally``: a foreign listener (a transient unit), a
user without sudo, a hostname in the container's own UTS namespace, sshd stopped (and started
again from the host with nsenter at the container's init, since ``lab ssh`` needs that sshd),
/etc/os-release replaced by a Debian 13 one (the symlink put back).

The requirement's cases (issue 10), each alone: sshd stopped on a node, a wrong key path
(missing, and a key the nodes refuse), a missing provider interface, ``virt_type: kvm``
without /dev/kvm (lab nodes get none), a cinder or Ceph OSD device that does not exist, a
node with another OS release, a port taken on the controller; and all of them in one report
(``test_every_problem_at_once_in_one_report``), except the wrong key path, which makes
every login fail and so hides every other check. A healthy lab passes, and the test prints
how long preflight took (it must stay under 15 s).

Not provable here, so unit-tested only (tests/unit/preflight): clock skew (the nodes share the
host's kernel clock, and a node's clock must never be set), an address the node does not own
and two nodes that are one machine (the lab gives each node its own), a used block device.

Run alone with ``pytest -m lab tests/e2e/test_preflight.py`` as root (44 to 74 s
measured, the slower while another lab deployed).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import paramiko
import pytest
import yaml

from installer.testbed.lab.checks import missing_packages
from installer.testbed.lab.container import container_init
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.state import load_state
from installer.testbed.lab.system import is_alive

pytestmark = pytest.mark.lab

LAB = "pf"
SUBNET = "10.231.0.0/24"
PATHS = LabPaths.for_lab(LAB)
NODES = ("openstack1", "openstack2", "openstack3")
BASE_CHECKS = {"ssh login", "root or sudo", "os and release", "python3", "cpus", "memory",
               "disk /", "disk /var", "hostname", "address", "clock", "unique machine"}
USER = "pfcheck"
HEALTHY_LIMIT_S = 15.0
#: /etc/os-release of a Debian 13 node (the lab's nodes are Debian 12, which installs zed)
DEBIAN_13 = ('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\n'
             'VERSION_ID="13"\nVERSION="13 (trixie)"\nVERSION_CODENAME=trixie\nID=debian\n')

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


def in_node(node: str, *argv: str) -> str:
    """Run ``argv`` in the node's namespaces from the host (nsenter at the container's
    systemd): the way in that does not need the node's sshd."""
    state = load_state(PATHS.state_file)
    assert state is not None, f"lab {LAB} has no state file"
    ref = state.node(node).process
    pid = container_init(ref) if ref is not None and is_alive(ref) else None
    assert pid, f"{node} is not running"
    proc = subprocess.run(["nsenter", f"--target={pid}", "--mount", "--uts", "--ipc",
                           "--net", "--pid", "--", *argv],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, f"{node}: {argv}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def wait_for_sshd(node: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while stackinstall("lab", "ssh", "--name", LAB, node, "--", "true").returncode != 0:
        assert time.monotonic() < deadline, f"sshd on {node} did not come back"
        time.sleep(1)


@contextmanager
def sshd_stopped(node: str) -> Iterator[None]:
    """sshd stopped on ``node``; started again (from the host) on the way out."""
    try:
        in_node(node, "sh", "-c", "systemctl stop ssh.service && "
                "! systemctl is-active --quiet ssh.service")
        yield
    finally:
        in_node(node, "systemctl", "start", "ssh.service")
        wait_for_sshd(node)


@contextmanager
def another_release(node: str) -> Iterator[None]:
    """``node`` reports Debian 13: /etc/os-release (on Debian a symlink to
    ../usr/lib/os-release) moved aside and replaced by a file; moved back on the way out."""
    saved = "/etc/os-release.pf-saved"
    original = on(node, "readlink /etc/os-release || md5sum /etc/os-release")
    try:
        on(node, f"mv -T /etc/os-release {saved} && "
                 f"printf %s {shlex.quote(DEBIAN_13)} > /etc/os-release")
        yield
    finally:
        on(node, f"if [ -e {saved} ] || [ -L {saved} ]; then mv -fT {saved} /etc/os-release; fi")
        assert on(node, "readlink /etc/os-release || md5sum /etc/os-release") == original


@contextmanager
def listening(node: str, unit: str, port: int) -> Iterator[None]:
    """A foreign listener on ``port`` (transient unit ``unit``), stopped on the way out."""
    try:
        listen(node, unit, port)
        yield
    finally:
        on(node, f"systemctl stop {unit}; ! systemctl is-active --quiet {unit}")


def listen(node: str, unit: str, port: int) -> None:
    """Start ``python3 -m http.server PORT`` as transient unit ``unit``; wait until it listens."""
    on(node, f"systemd-run --unit {unit} python3 -m http.server {port}")
    deadline = time.monotonic() + 30
    while f":{port} " not in on(node, f"ss -Hltn 'sport = :{port}'") + " ":
        assert time.monotonic() < deadline, f"{unit} does not listen on {port}"
        time.sleep(0.5)


def preflight(answers: Path) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of the CLI; the report gains ``wall_s`` (CLI wall time)."""
    started = time.monotonic()
    proc = stackinstall("preflight", str(answers), "--json")
    wall = time.monotonic() - started
    print(f"preflight {answers.name}: exit {proc.returncode} in {wall:.1f} s")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, {**json.loads(proc.stdout), "wall_s": wall}


def rows(report: dict[str, Any], status: str | None = None) -> dict[tuple[str, str], dict]:
    return {(r["node"], r["check"]): r for r in report["results"]
            if status is None or r["status"] == status}


def problems(report: dict[str, Any]) -> set[tuple[str, str]]:
    return set(rows(report, "fail"))


@pytest.fixture(scope="module")
def lab() -> Iterator[Path]:
    stackinstall("lab", "down", "--name", LAB, "--keep-image", timeout=900)  # an old run's
    up = stackinstall("lab", "up", "--name", LAB, "--subnet", SUBNET, "--nodes",
                      str(len(NODES)), timeout=1800)
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


def test_a_fresh_lab_passes_every_check(lab: Path, capsys: pytest.CaptureFixture[str]):
    code, report = preflight(lab)
    with capsys.disabled():  # shown in the test output, passed or not
        print(f"\n  healthy lab, {len(NODES)} nodes, {len(report['results'])} checks: "
              f"preflight {report['duration_s']:.2f} s in process, {report['wall_s']:.2f} s "
              f"for the CLI incl. interpreter start (limit {HEALTHY_LIMIT_S:.0f} s)")
    assert code == 0 and report["status"] == "passed", problems(report)
    assert report["nodes"] == list(NODES) and report["problems"] == 0
    assert report["wall_s"] < HEALTHY_LIMIT_S
    checks = {node: {c for (n, c) in rows(report) if n == node} for node in NODES}
    for node in NODES:
        assert checks[node] >= BASE_CHECKS, checks[node]
    # network and compute nodes own the provider interface; the controller+storage does not
    assert {n for n in NODES if "provider interface" in checks[n]} == {"openstack2",
                                                                        "openstack3"}
    assert {"port 3306", "port 5000", "port 9292", "port 80"} <= checks["openstack1"]
    assert not any(c.startswith("port ") for c in checks["openstack2"] | checks["openstack3"])
    login = rows(report)[("openstack1", "ssh login")]
    assert login["found"].startswith("logged in as root (ssh-ed25519 SHA256:")


def test_a_key_that_is_refused_and_one_that_is_missing(variant, tmp_path: Path):
    other = tmp_path / "other_key"
    paramiko.RSAKey.generate(2048).write_private_key_file(str(other))
    code, report = preflight(variant(ssh={"private_key": str(other)}))
    assert code == 6
    # an unreachable node is one row; every node is still tried
    assert [(r["node"], r["check"]) for r in report["results"]] == [
        (n, "ssh login") for n in NODES]
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
    assert problems(report) == {("openstack2", "provider interface"),
                                ("openstack3", "provider interface")}
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
    has_kvm = on("openstack3", "test -c /dev/kvm && echo yes || echo no").strip() == "yes"
    code, report = preflight(variant(nova={"virt_type": "kvm"}))
    row = rows(report)[("openstack3", "kvm")]
    assert {n for (n, c) in rows(report) if c == "kvm"} == {"openstack3"}
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
        assert problems(report) == {(n, "root or sudo") for n in NODES if n != "openstack2"}
        assert rows(report)[("openstack2", "root or sudo")]["status"] == "pass"
    finally:
        for node in NODES:
            on(node, f"rm -f /etc/sudoers.d/{USER}; userdel -r {USER} 2>/dev/null; true")


def addresses(answers: Path) -> dict[str, str]:
    return {n["name"]: n["address"] for n in yaml.safe_load(answers.read_text())["nodes"]}


def test_sshd_stopped_on_one_node(lab: Path):
    with sshd_stopped("openstack2"):
        code, report = preflight(lab)
    assert code == 6
    # the node is one row; the others are still checked in full, and pass
    assert problems(report) == {("openstack2", "ssh login")}
    assert [c for (n, c) in rows(report) if n == "openstack2"] == ["ssh login"]
    for node in ("openstack1", "openstack3"):
        assert {c for (n, c) in rows(report, "pass") if n == node} >= BASE_CHECKS
    row = rows(report)[("openstack2", "ssh login")]
    address = addresses(lab)["openstack2"]
    assert row["found"] == f"cannot connect to {address}:22: Connection refused"
    assert row["expected"].startswith(f"root@{address}:22 logs in with ")
    assert row["fix"].startswith("start sshd on openstack2 (systemctl start ssh")
    assert "ssh.port" in row["fix"] and "authorized_keys" not in row["fix"]


def test_a_node_with_another_os_release(lab: Path):
    with another_release("openstack2"):
        code, report = preflight(lab)
    assert code == 6
    assert problems(report) == {("openstack2", "os and release")}
    row = rows(report)[("openstack2", "os and release")]
    assert row["found"] == ("Debian GNU/Linux 13 (trixie) (debian 13): installs epoxy")
    assert "installs zed" in row["expected"] and "debian 12" in row["expected"]
    assert row["fix"].startswith("set deployment.release to one of epoxy, or install "
                                 "debian 12") and row["fix"].endswith(" on openstack2")
    assert "Debian GNU/Linux 12" in rows(report)[("openstack1", "os and release")]["found"]


def test_every_problem_at_once_in_one_report(lab: Path, variant):
    """The requirement's cases together, on three nodes, in ONE report: a port taken on the
    controller (openstack1), a cinder device that does not exist (openstack1, storage), sshd
    stopped on the network node (openstack2), and on the compute node (openstack3) another
    OS release, a missing provider interface and ``virt_type: kvm`` without /dev/kvm.

    A wrong SSH key path cannot be combined: the key is the same for every node, so every
    login fails and no other check runs; it is asserted alone in
    ``test_a_key_that_is_refused_and_one_that_is_missing``. sshd stopped hides the other
    checks of its own node, hence the network node (its only other check, the provider
    interface, is also made to fail on the compute node).
    """
    has_kvm = on("openstack3", "test -c /dev/kvm && echo yes || echo no").strip() == "yes"
    assert not has_kvm, "openstack3 has /dev/kvm: a missing /dev/kvm cannot be made here"
    answers = variant(network={"provider_interface": "eth7"}, nova={"virt_type": "kvm"},
                      cinder={"backend": "device", "device": "/dev/sdz"})
    with ExitStack() as undo:
        undo.enter_context(listening("openstack1", "si-pf-http", 9292))
        undo.enter_context(another_release("openstack3"))
        undo.enter_context(sshd_stopped("openstack2"))
        code, report = preflight(answers)
    assert code == 6 and report["status"] == "failed"
    assert report["nodes"] == list(NODES)
    expected = {("openstack1", "port 9292"), ("openstack1", "device /dev/sdz"),
                ("openstack2", "ssh login"), ("openstack3", "os and release"),
                ("openstack3", "provider interface"), ("openstack3", "kvm")}
    assert problems(report) == expected and report["problems"] == len(expected)
    found = rows(report)
    for key in expected:
        assert all(found[key][field] for field in ("found", "expected", "fix")), found[key]
    port = found[("openstack1", "port 9292")]
    assert "python3 (pid " in port["found"] and port["expected"] == "free for glance"
    assert "9292 on openstack1" in port["fix"]
    device = found[("openstack1", "device /dev/sdz")]
    assert device["found"] == "/dev/sdz does not exist"
    assert device["fix"] == "set cinder.device to a disk that openstack1 has (lsblk lists them)"
    login = found[("openstack2", "ssh login")]
    assert login["found"] == (f"cannot connect to {addresses(answers)['openstack2']}:22: "
                              "Connection refused")
    assert login["fix"].startswith("start sshd on openstack2")
    release = found[("openstack3", "os and release")]
    assert "Debian GNU/Linux 13" in release["found"] and "installs zed" in release["expected"]
    assert "openstack3" in release["fix"]
    interface = found[("openstack3", "provider interface")]
    assert interface["found"].startswith("no eth7; interfaces: ")
    assert "openstack3" in interface["fix"]
    kvm = found[("openstack3", "kvm")]
    assert kvm["found"] == "no /dev/kvm" and "nova.virt_type: qemu" in kvm["fix"]
    # the rest of each reachable node was checked, and passed
    for node in ("openstack1", "openstack3"):
        assert {c for (n, c) in rows(report, "pass") if n == node} >= (
            BASE_CHECKS - {"os and release"})


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

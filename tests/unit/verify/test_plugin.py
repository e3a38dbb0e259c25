"""verify's node checks under pytest: selected per inventory group, nodes in parallel with
xdist, results in node then check order, secrets masked, blocked as a skip, pytest's own JUnit
with the node as classname. The checks run here with testinfra's local backend (--local)."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import testinfra
import yaml

from installer.answers import load
from installer.paths import DeployPaths
from installer.render import render
from installer.verify.nodes import arguments, run_node_checks
from installer.verify.nodetests import HERE
from installer.verify.probes import listening_addresses

SECRET = "Very-Secret-Value-42"

CHECKS = '''
from installer.verify.outcome import blocked, check, fail


@check("everywhere", groups=("all",), where="roles/base")
def test_everywhere(host, ctx):
    ctx.passed(host.check_output("echo hello-from-$(id -un)"))


@check("db", groups=("mariadb",), where="roles/mariadb")
def test_db(host, ctx):
    fail(f"wrong password {ctx.secret('demo_password')} for {ctx.node.name}")


@check("crash", groups=("mariadb",))
def test_crash(host, ctx):
    raise KeyError("no such thing")


@check("asserted", groups=("mariadb",))
def test_asserted(host, ctx):
    assert host.run("false").rc == 0, "false said no"


@check("kernel", groups=("nova_compute",), where="roles/nova")
def test_kernel(host, ctx):
    blocked("this kernel has no kvm")
'''


def _deployment(root: Path, nodes: dict[str, list[str]], port: int = 22) -> Path:
    """A rendered deployment directory with ``nodes`` (name -> groups) on 127.0.0.1."""
    paths = DeployPaths(root)
    paths.host_vars("x").parent.mkdir(parents=True)
    paths.main_vars.parent.mkdir(parents=True, exist_ok=True)
    groups: dict[str, dict[str, dict]] = {}
    for name, member in nodes.items():
        for group in ["every", *member]:
            groups.setdefault(group, {"hosts": {}})["hosts"][name] = None
        paths.host_vars(name).write_text(yaml.safe_dump(
            {"ansible_host": "127.0.0.1", "ansible_port": port,
             "ansible_ssh_common_args": "-o BatchMode=yes"}))
    paths.hosts.write_text(yaml.safe_dump({"all": {"children": groups}}))
    paths.main_vars.write_text(yaml.safe_dump({"deployment_name": "t"}))
    paths.secrets.write_text(yaml.safe_dump({"demo_password": SECRET}))
    return root


@pytest.fixture
def tests(tmp_path: Path) -> Path:
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "test_demo.py").write_text(textwrap.dedent(CHECKS))
    return folder


def test_checks_run_where_their_groups_are_in_node_then_check_order(tmp_path, tests):
    deploy = _deployment(tmp_path / "d", {"b": ["mariadb"], "a": [], "c": ["nova_compute"]})
    junit = tmp_path / "junit.xml"
    results = run_node_checks(deploy, ["a", "b", "c"], tmp_path, junit, tests=tests,
                              options=["--local"])
    assert [(r.node, r.check, r.status) for r in results] == [
        ("a", "everywhere", "pass"),
        ("b", "everywhere", "pass"), ("b", "db", "fail"), ("b", "crash", "fail"),
        ("b", "asserted", "fail"),
        ("c", "everywhere", "pass"), ("c", "kernel", "blocked"),
    ]
    by = {(r.node, r.check): r for r in results}
    assert by["a", "everywhere"].message.startswith("hello-from-")
    assert by["a", "everywhere"].where == "roles/base"
    db = by["b", "db"].message
    assert SECRET not in db and "********" in db and db.endswith("for b")
    assert by["b", "crash"].message == "check could not run: 'no such thing'"
    assert by["b", "asserted"].message == "false said no"
    assert by["c", "kernel"].message == "this kernel has no kvm"
    cases = ET.parse(junit).getroot().iter("testcase")
    named = {(c.get("classname"), c.get("name")): c for c in cases}
    assert set(named) == set(by)
    assert SECRET not in junit.read_text()
    assert named["b", "db"].find("failure") is not None
    assert named["c", "kernel"].find("skipped") is not None


def test_one_node_runs_in_this_process_and_the_limit_is_kept(tmp_path, tests):
    deploy = _deployment(tmp_path / "d", {"a": [], "b": ["mariadb"]})
    assert "no:xdist" in arguments(deploy, ["b"], tmp_path, None, tests)
    assert "-n" in arguments(deploy, ["a", "b"], tmp_path, None, tests)
    results = run_node_checks(deploy, ["b"], tmp_path, tests=tests, options=["--local"])
    assert {r.node for r in results} == {"b"} and len(results) == 4


def test_unreachable_node_fails_each_of_its_checks_with_the_reason(tmp_path, tests):
    deploy = _deployment(tmp_path / "d", {"gone": ["mariadb"]}, port=2)
    results = run_node_checks(deploy, ["gone"], tmp_path, tests=tests)
    assert len(results) == 4 and {r.status for r in results} == {"fail"}
    assert all("cannot reach gone over SSH" in r.message for r in results)
    assert "refused" in results[0].message.lower()


def test_no_node_runs_nothing(tmp_path, tests):
    assert run_node_checks(tmp_path, [], tmp_path, tests=tests) == []


def test_listening_addresses_sees_a_real_loopback_listener():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listening_addresses(testinfra.get_host("local://"), port) == {"127.0.0.1"}


def test_the_shipped_checks_are_selected_by_inventory_group(deploy_dir: Path) -> None:
    """Collected, not run: which check runs on which node of the four-node topology."""
    argv = [sys.executable, "-m", "pytest",
            *arguments(deploy_dir, ["openstack1"], deploy_dir, None, HERE),
            "--node=openstack3", "--collect-only"]
    listing = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    assert "test_hostname[openstack1]" in listing and "test_hostname[openstack3]" in listing
    assert "test_mariadb_bind[openstack1]" in listing
    assert "test_mariadb_bind[openstack3]" not in listing
    assert "test_chrony_follows_controller[openstack3]" in listing
    assert "test_chrony_follows_controller[openstack1]" not in listing
    assert "test_catalogue[nova_compute-services-openstack3]" in listing
    assert "test_compute_services[openstack1]" in listing


def _listing(deploy_dir: Path) -> str:
    argv = [sys.executable, "-m", "pytest",
            *arguments(deploy_dir, ["openstack1"], deploy_dir, None, HERE),
            "--node=openstack3", "--node=openstack4", "--collect-only"]
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout


def test_a_check_runs_only_where_the_settings_meet_its_when(four_node: Path,
                                                            tmp_path: Path) -> None:
    """LVM's checks (when cinder.backend is loop or device) exist with the sample's loop
    backend and are deselected with Ceph, as the catalogue's cinder_lvm component is."""
    loop = _listing(render(load(four_node), tmp_path / "loop").out_dir)
    assert "test_volume_group[openstack4]" in loop
    assert "test_iscsi_initiator[openstack3]" in loop
    assert "test_volume_group[openstack3]" not in loop  # the compute node has no volumes
    four_node.write_text(four_node.read_text().replace("  backend: loop", "  backend: ceph"))
    ceph = _listing(render(load(four_node), tmp_path / "ceph").out_dir)
    assert "test_hostname[openstack4]" in ceph
    assert "test_volume_group" not in ceph and "test_iscsi_initiator" not in ceph


def test_progress_hears_each_check_once_as_pytest_ends_it_masked(tmp_path, tests):
    deploy = _deployment(tmp_path / "d", {"b": ["mariadb"], "a": [], "c": ["nova_compute"]})
    heard = []
    results = run_node_checks(deploy, ["a", "b", "c"], tmp_path, tests=tests,
                              options=["--local"], progress=heard.append)
    assert sorted(heard, key=repr) == sorted(results, key=repr)
    assert len(heard) == len({(r.node, r.check) for r in heard}) == 7
    assert all(SECRET not in r.message for r in heard)

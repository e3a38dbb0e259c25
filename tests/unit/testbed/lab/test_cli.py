"""Operator mistakes end with a message and an exit code, before anything is created."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from installer.cli import main


def _run(*args):
    return CliRunner().invoke(main, ["lab", *args])


def test_help_documents_the_guard_route():
    result = _run("--help")
    assert result.exit_code == 0
    assert "unreachable" in result.output and "guard" in result.output
    assert "guard" in _run("down", "--help").output


def test_answers_and_nodes_do_not_mix(tmp_path):
    f = tmp_path / "a.yml"
    f.write_text("{}")
    result = _run("up", "--answers", str(f), "--nodes", "2")
    assert result.exit_code == 2
    assert "cannot be combined" in result.output


def test_invalid_lab_name_is_a_lab_error():
    result = _run("up", "--name", "Bad_Name")
    assert result.exit_code == 5
    assert "invalid lab name" in result.output


def test_public_subnet_is_refused():
    result = _run("up", "--name", "zz", "--subnet", "8.8.8.0/24")
    assert result.exit_code == 5
    assert "not a private network" in result.output


def test_status_of_an_absent_lab():
    result = _run("status", "--name", "nosuchlb")
    assert result.exit_code == 5
    assert "no lab named" in result.output


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
def test_not_root_is_refused_before_anything_happens():
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         sys.executable, "-m", "installer", "lab", "up", "--name", "nonroot"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 5, proc.stderr
    assert "needs root" in proc.stderr


def test_vm_choice_naming_no_node_or_role_is_refused_before_anything_happens():
    result = _run("up", "--name", "zz", "--subnet", "10.213.0.0/24", "--vm", "computer")
    assert result.exit_code == 5
    assert "computer" in result.output and "compute" in result.output


def test_vm_size_options_are_bounded():
    result = _run("up", "--name", "zz", "--vm", "compute", "--vm-cpus", "3")
    assert result.exit_code == 2 and "--vm-cpus" in result.output
    result = _run("up", "--name", "zz", "--vm", "compute", "--vm-memory", "100")
    assert result.exit_code == 2 and "--vm-memory" in result.output


def test_vm_choice_reaches_the_plan(monkeypatch):
    from installer.testbed.lab import lifecycle

    seen = {}

    def up(plan, name, install_missing=False, vm_cache=True):
        seen["plan"], seen["vm_cache"] = plan, vm_cache
        raise lifecycle.LabError("stop here")

    monkeypatch.setattr(lifecycle, "up", up)
    result = _run("up", "--name", "zz", "--nodes", "4", "--subnet", "10.213.0.0/24",
                  "--vm", "compute,openstack4", "--vm-memory", "1024", "--vm-cpus", "2",
                  "--vm-disk", "5")
    assert result.exit_code == 5
    assert seen["vm_cache"] is True
    kinds = {n.name: (n.kind, n.vm) for n in seen["plan"].nodes}
    assert kinds["openstack1"] == ("container", None)
    assert kinds["openstack3"][0] == kinds["openstack4"][0] == "vm"
    assert kinds["openstack3"][1].to_json() == {"memory_mib": 1024, "cpus": 2,
                                                "data_disk_gib": 5}
    _run("up", "--name", "zz", "--nodes", "4", "--subnet", "10.213.0.0/24", "--vm", "compute",
         "--no-vm-cache")
    assert seen["vm_cache"] is False

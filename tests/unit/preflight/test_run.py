import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from installer.cli import main
from installer.errors import PreflightFailed
from installer.preflight import run as run_module
from installer.preflight.facts import Access, ClockSample, NodeProbe
from installer.preflight.run import ensure_ready, run_preflight

from .conftest import SAMPLE, facts_of, make_deployment

LAB_NODES = [{"name": f"openstack{i}", "address": f"10.233.0.1{i}", "roles": [role]}
             for i, role in enumerate(["controller", "network", "compute", "storage"], 1)]


def lab_like(tmp_path: Path, **changes):
    """The four-node sample pointed at the lab the probe data came from."""
    return make_deployment(tmp_path, network={"management_cidr": "10.233.0.0/24"},
                           nodes=LAB_NODES, nova={"virt_type": "qemu"}, **changes)


def fake_collect(unreachable: set[str] = frozenset()):
    def collect(deployment, node, known_hosts=None, clock=None):
        if node.name in unreachable:
            return NodeProbe(node.name, login_error=f"cannot connect to {node.address}:22")
        return NodeProbe(node.name, host_key=f"ssh-ed25519 {node.name}", access=Access(0),
                         facts=facts_of(node.name), clock=ClockSample("10.0", 9.9, 10.1))
    return collect


def test_every_problem_of_every_node_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "collect", fake_collect({"openstack2"}))
    report = run_preflight(lab_like(tmp_path))
    assert report.nodes == ["openstack1", "openstack2", "openstack3", "openstack4"]
    problems = [(f.node, f.check) for f in report.problems]
    # the http.server on 9292 of the captured controller, and the unreachable node
    assert problems == [("openstack1", "port 9292"), ("openstack2", "ssh login")]
    assert [f.node for f in report.findings] == sorted(f.node for f in report.findings)
    assert not report.ok


def test_clean_nodes_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "collect", fake_collect())
    report = run_preflight(lab_like(tmp_path, services=["keystone", "placement"]))
    assert report.ok, report.problems
    assert {f.node for f in report.findings} == set(report.nodes)


def test_ensure_ready_raises_exit_6_with_the_skip_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "collect", fake_collect({"openstack3"}))
    with pytest.raises(PreflightFailed) as caught:
        ensure_ready(lab_like(tmp_path))
    assert caught.value.exit_code == 6
    assert "--skip-preflight" in (caught.value.hint or "")
    assert "openstack1, openstack3" in caught.value.message


def write_answers(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load(SAMPLE.read_text())
    data["network"]["management_cidr"] = "10.233.0.0/24"
    data["nodes"] = LAB_NODES
    data.update(changes)
    path = tmp_path / "answers.yml"
    path.write_text(yaml.safe_dump(data))
    return path  # no secrets file: preflight does not need one


def test_cli_json_and_exit_code(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "collect", fake_collect({"openstack4"}))
    result = CliRunner().invoke(main, ["preflight", str(write_answers(tmp_path)), "--json"])
    assert result.exit_code == 6, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "failed" and data["problems"] == 3  # kvm, 9292, unreachable
    assert set(data) == {"status", "problems", "warnings", "nodes", "duration_s", "results"}
    row = next(r for r in data["results"] if r["node"] == "openstack4")
    assert row == {"node": "openstack4", "check": "ssh login", "status": "fail",
                   "found": "cannot connect to 10.233.0.14:22", "fix": row["fix"],
                   "expected": row["expected"]}


def test_cli_table_when_clean(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "collect", fake_collect())
    path = write_answers(tmp_path, nova={"virt_type": "qemu"}, services=["keystone"])
    result = CliRunner().invoke(main, ["preflight", str(path)])
    assert result.exit_code == 0, result.output
    assert "openstack1: 19 of 19 checks passed" in result.stdout


def test_missing_answer_file_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["preflight", str(tmp_path / "nope.yml")])
    assert result.exit_code == 3
    assert "Traceback" not in result.output


def test_invalid_answer_file_lists_its_problems(tmp_path):
    path = write_answers(tmp_path, ssh={"port": "twenty-two"})
    result = CliRunner().invoke(main, ["preflight", str(path)])
    assert result.exit_code == 3 and "ssh.port" in result.stderr

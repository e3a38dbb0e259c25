"""`stackinstall status`: nodes, services per node and the last run (no network here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.answers import load
from installer.cli import main
from installer.render import render
from installer.status import collect, read_status


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    asked: list[tuple[str, int]] = []

    def reach(targets):
        asked.extend(targets)
        return [None if address.endswith(".11") else "Connection refused"
                for address, _port in targets]

    monkeypatch.setattr(collect, "reach_all", reach)
    return asked


def _run(deploy_dir: Path, stamp: str, summary: dict | None) -> None:
    run = deploy_dir / "runs" / stamp
    run.mkdir(parents=True)
    if summary is not None:
        (run / "summary.json").write_text(json.dumps(summary))


SUMMARY = {"status": "successful", "started": "2026-11-22T05:00:00+00:00",
           "finished": "2026-11-22T05:12:00+00:00", "duration_s": 720.0, "check_mode": False,
           "phases": [{"name": "bootstrap", "status": "successful", "duration_s": 130.0,
                       "hosts": {}, "failures": []}],
           "hosts": {"openstack1": {"changed": 0}, "openstack2": {"changed": 3}},
           "failures": [], "resume_command": None}


def test_nodes_ssh_and_services_from_the_rendered_inventory(four_node: Path,
                                                            no_network: list) -> None:
    out = render(load(four_node)).out_dir
    status = read_status(four_node)
    assert status.rendered and status.deploy_dir == out
    assert no_network == [(f"10.0.0.1{i}", 22) for i in range(1, 5)]  # node addresses only
    first, second = status.nodes[0], status.nodes[1]
    assert first.ssh_problem is None and second.ssh_problem == "Connection refused"
    assert "keystone" in first.services and "controller" not in first.services
    assert "neutron_agents" in second.services and "keystone" not in second.services
    assert status.last_run is None


def test_without_rendering_the_services_come_from_the_answer_file(four_node: Path) -> None:
    status = read_status(four_node)
    assert not status.rendered
    assert "nova_compute" in status.nodes[2].services


def test_last_run_is_the_newest_summary(four_node: Path) -> None:
    deploy_dir = four_node.parent / "deployments" / "openstack"
    _run(deploy_dir, "20261121T100000Z", {**SUMMARY, "status": "failed"})
    _run(deploy_dir, "20261122T050000Z", SUMMARY)
    run = read_status(four_node).last_run
    assert run is not None and run.status == "successful" and run.duration_s == 720.0
    assert run.phases == ({"name": "bootstrap", "status": "successful", "duration_s": 130.0},)
    assert run.changed == {"openstack1": 0, "openstack2": 3}
    _run(deploy_dir, "20261122T050000Z-2", None)  # killed before its summary
    assert read_status(four_node).last_run.status == "unfinished"


def test_secrets_are_not_needed(four_node: Path) -> None:
    (four_node.parent / "four-node.secrets.yml").unlink()
    assert len(read_status(four_node).nodes) == 4


def test_cli_json_and_table(four_node: Path) -> None:
    _run(four_node.parent / "deployments" / "openstack", "20261122T050000Z", SUMMARY)
    result = CliRunner().invoke(main, ["status", str(four_node), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["nodes"][0]["ssh"] == {"port": 22, "reachable": True, "problem": None}
    assert doc["nodes"][1]["ssh"]["reachable"] is False
    assert doc["last_run"]["status"] == "successful" and doc["rendered"] is False
    table = CliRunner().invoke(main, ["status", str(four_node)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "port 22 answers" in table.stdout and "Connection refused" in table.stdout
    assert "last run: successful" in table.stdout and "bootstrap successful 02:10" in table.stdout


def test_an_invalid_answer_file_is_exit_3(four_node: Path) -> None:
    four_node.write_text(four_node.read_text().replace("  port: 22", "  port: twenty"))
    result = CliRunner().invoke(main, ["status", str(four_node)])
    assert result.exit_code == 3
    assert "ssh.port" in result.stderr

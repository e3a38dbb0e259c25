"""The deploy command line maps onto a DeployRequest (the run itself is captured)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.cli import main
from installer.deploy import cli as deploy_cli
from installer.deploy.phases import select_phases
from installer.errors import DeployFailed


@pytest.fixture
def captured(monkeypatch):
    seen = []

    class Result:
        summary_path = Path("/x/summary.json")

    def fake_deploy(request):
        seen.append(request)
        return Result()

    monkeypatch.setattr(deploy_cli, "run_deploy", fake_deploy)
    return seen


def test_defaults(captured):
    result = CliRunner().invoke(main, ["deploy", "a.yml"])
    assert result.exit_code == 0, result.output
    req = captured[0]
    assert req.answers == Path("a.yml")
    assert req.phases == () and req.start is None
    assert req.options.limit is None and req.options.tags == ()
    assert not req.options.check and not req.options.diff and not req.options.stream


def test_every_option(captured):
    args = ["deploy", "a.yml", "--secrets", "s.yml", "-o", "out", "--from", "infra",
            "--limit", "openstack1", "--tags", "mariadb", "--tags", "chrony", "--check",
            "--diff", "--forks", "4", "-vv"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    req = captured[0]
    assert req.secrets == Path("s.yml") and req.out_dir == Path("out")
    assert select_phases(req.phases, req.start) == ["infra", "ceph", "services", "post"]
    o = req.options
    assert (o.limit, o.tags, o.check, o.diff, o.forks) == (
        "openstack1", ("mariadb", "chrony"), True, True, 4)
    assert o.stream and o.verbosity == 1
    assert o.cmdline() == "--check --diff"


def test_repeated_phase(captured):
    result = CliRunner().invoke(main, ["deploy", "a.yml", "--phase", "infra",
                                       "--phase", "bootstrap"])
    assert result.exit_code == 0
    assert select_phases(captured[0].phases, captured[0].start) == ["bootstrap", "infra"]


def test_unknown_phase_is_rejected_before_anything_runs(captured):
    result = CliRunner().invoke(main, ["deploy", "a.yml", "--phase", "nova"])
    assert result.exit_code == 2
    assert captured == []


def test_invalid_answer_file_exits_with_the_answer_file_code(tmp_path):
    bad = tmp_path / "a.yml"
    bad.write_text("nodes: 3\n")
    result = CliRunner().invoke(main, ["deploy", str(bad)])
    assert result.exit_code == 3


def test_json_prints_the_summary_alone_on_stdout(monkeypatch):
    class Summary:
        def as_dict(self):
            return {"status": "successful", "phases": []}

    class Result:
        summary_path = Path("/x/summary.json")
        summary = Summary()

    monkeypatch.setattr(deploy_cli, "run_deploy", lambda request: Result())
    result = CliRunner().invoke(main, ["deploy", "a.yml", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"status": "successful", "phases": []}
    assert "deployment finished" in result.stderr


def test_json_prints_the_summary_of_a_failed_run_too(monkeypatch):
    def failing(request):
        raise DeployFailed("phase infra failed on openstack1",
                           summary={"status": "failed", "resume_command": "x"})

    monkeypatch.setattr(deploy_cli, "run_deploy", failing)
    result = CliRunner().invoke(main, ["deploy", "a.yml", "--json"])
    assert result.exit_code == 7
    assert json.loads(result.stdout)["status"] == "failed"
    assert "phase infra failed on openstack1" in result.stderr


def test_upgrade_option(captured):
    assert CliRunner().invoke(main, ["deploy", "a.yml", "--upgrade"]).exit_code == 0
    assert captured[0].options.upgrade
    assert "base_upgrade=always" in captured[0].options.cmdline()


def test_strategy_option(captured):
    assert CliRunner().invoke(main, ["deploy", "a.yml"]).exit_code == 0
    assert captured[0].options.strategy == "mitogen"
    assert CliRunner().invoke(main, ["deploy", "a.yml", "--strategy", "linear"]).exit_code == 0
    assert captured[1].options.strategy == "linear"
    refused = CliRunner().invoke(main, ["deploy", "a.yml", "--strategy", "free"])
    assert refused.exit_code == 2 and "'free' is not one of" in refused.output

"""deploy runs preflight before any phase, unless --skip-preflight."""

import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.cli import main
from installer.deploy import cli as deploy_cli
from installer.deploy.deploy import DeployRequest
from installer.errors import PreflightFailed
from installer.preflight.findings import Report

# installer.deploy re-exports the deploy() function under the module's name
deploy_module = importlib.import_module("installer.deploy.deploy")


@pytest.fixture
def calls(monkeypatch):
    seen: list[str] = []

    def fake_ready(deployment, known_hosts):
        seen.append(f"preflight {known_hosts.name}")
        if deployment.name == "broken":
            raise PreflightFailed("preflight found 1 problem(s) on openstack1", report=Report([]))
        return Report([])

    def fake_phases(deploy_dir, phases, options, console=None, **kwargs):
        seen.append("phases " + ",".join(phases))
        return "ran"

    monkeypatch.setattr(deploy_module, "ensure_ready", fake_ready)
    monkeypatch.setattr(deploy_module, "run_phases", fake_phases)
    return seen


def test_preflight_runs_first(four_node: Path, calls):
    assert deploy_module.deploy(DeployRequest(four_node, phases=("infra",))) == "ran"
    assert calls == ["preflight known_hosts", "phases infra"]


def test_a_failed_preflight_runs_no_phase(four_node: Path, calls):
    four_node.write_text(four_node.read_text().replace("name: openstack", "name: broken"))
    with pytest.raises(PreflightFailed) as caught:
        deploy_module.deploy(DeployRequest(four_node))
    assert caught.value.exit_code == 6
    assert calls == ["preflight known_hosts"]


def test_skip_preflight(four_node: Path, calls):
    deploy_module.deploy(DeployRequest(four_node, phases=("post",), skip_preflight=True))
    assert calls == ["phases post"]


def test_cli_flag(monkeypatch):
    seen = []

    class Result:
        summary_path = Path("/x/summary.json")

    monkeypatch.setattr(deploy_cli, "run_deploy", lambda request: seen.append(request) or Result())
    assert CliRunner().invoke(main, ["deploy", "a.yml", "--skip-preflight"]).exit_code == 0
    assert CliRunner().invoke(main, ["deploy", "a.yml"]).exit_code == 0
    assert [r.skip_preflight for r in seen] == [True, False]

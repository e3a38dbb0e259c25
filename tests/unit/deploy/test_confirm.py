"""Deploying onto this machine (a node with connection: local) asks first: on a terminal it
asks, without one it refuses unless --yes; nothing runs before the answer."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.answers import load
from installer.cli import main
from installer.deploy import cli as deploy_cli
from installer.deploy.confirm import confirm_local
from installer.deploy.deploy import DeployRequest
from installer.deploy.options import RunOptions
from installer.deploy.resume import resume_command
from installer.errors import UsageError
from installer.preflight.findings import Report

deploy_module = importlib.import_module("installer.deploy.deploy")


def _make_local(path: Path) -> Path:
    path.write_text(path.read_text().replace(
        "    roles: [controller]", "    roles: [controller]\n    connection: local", 1))
    return path


@pytest.fixture
def local_answers(four_node: Path) -> Path:
    return _make_local(four_node)


def _never(question: str) -> bool:
    raise AssertionError(f"asked {question!r}")


def test_no_local_node_no_question(four_node: Path):
    confirm_local(load(four_node), yes=False, interactive=False, ask=_never)


def test_without_a_terminal_it_refuses_and_names_yes(local_answers: Path):
    with pytest.raises(UsageError) as caught:
        confirm_local(load(local_answers), yes=False, interactive=False, ask=_never)
    assert caught.value.exit_code == 2
    assert "no terminal to ask" in caught.value.message
    assert "nothing was changed" in caught.value.message
    assert caught.value.hint.endswith(f"stackinstall deploy {local_answers.resolve()} --yes")


def test_yes_deploys_without_asking(local_answers: Path, capsys):
    confirm_local(load(local_answers), yes=True, interactive=False, ask=_never)
    said = " ".join(capsys.readouterr().err.split())
    assert "openstack1 is this machine (connection: local)" in said
    assert "packages:" in said and "services:" in said and "provider interface:" in said
    assert "--yes given" in said


def test_on_a_terminal_it_asks_and_respects_the_answer(local_answers: Path):
    asked = []

    def answer(value):
        return lambda question: asked.append(question) or value

    confirm_local(load(local_answers), yes=False, interactive=True, ask=answer(True))
    with pytest.raises(UsageError, match="not confirmed; nothing was changed"):
        confirm_local(load(local_answers), yes=False, interactive=True, ask=answer(False))
    assert asked == ["Deploy OpenStack onto this machine (openstack1)?"] * 2


def test_a_check_run_changes_nothing_and_is_not_asked_about(local_answers: Path):
    confirm_local(load(local_answers), yes=False, check=True, interactive=False, ask=_never)


@pytest.fixture
def calls(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(deploy_module, "ensure_ready",
                        lambda deployment, known_hosts: seen.append("preflight") or Report([]))
    monkeypatch.setattr(deploy_module, "run_phases",
                        lambda *args, **kwargs: seen.append("phases") or "ran")
    return seen


def test_deploy_runs_no_phase_before_the_answer(local_answers: Path, calls, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(UsageError):
        deploy_module.deploy(DeployRequest(local_answers, phases=("infra",)))
    assert calls == ["preflight"]
    deploy_module.deploy(DeployRequest(local_answers, phases=("infra",), yes=True))
    assert calls == ["preflight", "preflight", "phases"]
    deploy_module.deploy(DeployRequest(local_answers, phases=("infra",),
                                       options=RunOptions(check=True)))
    assert calls[-1] == "phases"


def test_the_cli_flag_reaches_the_request(monkeypatch):
    seen = []

    class Result:
        summary_path = Path("/x/summary.json")

    monkeypatch.setattr(deploy_cli, "run_deploy", lambda request: seen.append(request) or Result())
    for args in (["--yes"], ["-y"], []):
        assert CliRunner().invoke(main, ["deploy", "a.yml", *args]).exit_code == 0
    assert [r.yes for r in seen] == [True, True, False]


def test_the_resume_command_of_a_local_deployment_keeps_yes():
    assert resume_command(Path("a.yml"), "services", yes=True) == (
        "stackinstall deploy a.yml --from services --yes")
    assert "--yes" not in resume_command(Path("a.yml"), "services")

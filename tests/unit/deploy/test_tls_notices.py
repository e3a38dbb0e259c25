"""deploy says what render did to the certificates, and says loudly when TLS is off."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from rich.console import Console

from installer.deploy.deploy import DeployRequest
from installer.preflight.findings import Report

deploy_module = importlib.import_module("installer.deploy.deploy")


@pytest.fixture
def quiet_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy_module, "ensure_ready", lambda deployment, known: Report([]))
    monkeypatch.setattr(deploy_module, "run_phases",
                        lambda deploy_dir, phases, options, console=None, **kwargs: "ran")


def _said(four_node: Path) -> str:
    console = Console(width=200, record=True)
    deploy_module.deploy(DeployRequest(four_node, phases=("infra",)), console)
    return console.export_text()


def test_the_first_run_says_it_made_the_ca_and_the_certificate(four_node: Path,
                                                               quiet_run: None) -> None:
    said = _said(four_node)
    assert "TLS: made the deployment's CA" in said
    assert "TLS: issued the server certificate (none yet)" in said
    assert "TLS is OFF" not in said
    assert "TLS: " not in _said(four_node)  # nothing to say the second time


def test_tls_off_is_said_before_the_run_and_in_the_next_steps(four_node: Path,
                                                              quiet_run: None) -> None:
    four_node.write_text(four_node.read_text().replace("mode: self-signed", "mode: 'off'"))
    said = _said(four_node)
    assert said.count("TLS is OFF (tls.mode: off)") == 2
    assert "http://10.0.0.11/horizon/" in said

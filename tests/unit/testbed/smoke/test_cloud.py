"""The smoke's connection and its one rule for repeating a call."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from keystoneauth1.exceptions.connection import ConnectFailure
from openstack import exceptions

from installer.testbed.smoke.cloud import again, connect, transient
from installer.testbed.smoke.steps import StepFailed


def clouds_yaml(path: Path) -> Path:
    path.write_text(yaml.safe_dump({"clouds": {"iv": {
        "auth": {"auth_url": "http://10.243.0.11:5000/v3", "username": "admin",
                 "password": "pw", "project_name": "admin", "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": "RegionOne", "identity_api_version": 3, "interface": "public"}}}))
    return path


def test_the_connection_is_the_deployment_clouds_yaml_and_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OS_AUTH_URL", "http://elsewhere:5000/v3")
    monkeypatch.setenv("OS_CLOUD", "other")
    conn = connect(clouds_yaml(tmp_path / "clouds.yaml"), "iv")
    auth = conn.config.config["auth"]
    assert auth["auth_url"] == "http://10.243.0.11:5000/v3" and auth["username"] == "admin"
    assert conn.config.get_region_name() == "RegionOne"


def test_a_missing_clouds_yaml_or_cloud_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(StepFailed, match="--phase post"):
        connect(tmp_path / "clouds.yaml", "iv")
    with pytest.raises(StepFailed, match="no usable cloud 'nope'"):
        connect(clouds_yaml(tmp_path / "clouds.yaml"), "nope")


def test_only_a_lost_connection_or_a_gateway_status_is_transient() -> None:
    assert transient(ConnectFailure("reset"))
    assert transient(exceptions.HttpException("x", http_status=503))
    assert not transient(exceptions.NotFoundException("gone"))
    assert not transient(exceptions.ConflictException("busy"))
    assert not transient(ValueError("bug"))


def test_again_repeats_a_transient_error_and_gives_up_after_three() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectFailure("reset")
        return "ok"

    assert again(flaky, sleep=lambda s: None) == "ok" and len(calls) == 3
    calls.clear()

    def down() -> None:
        calls.append(1)
        raise exceptions.HttpException("bad gateway", http_status=502)

    with pytest.raises(exceptions.HttpException):
        again(down, sleep=lambda s: None)
    assert len(calls) == 3


def test_again_never_repeats_a_real_error() -> None:
    calls: list[int] = []

    def missing() -> None:
        calls.append(1)
        raise exceptions.NotFoundException("No Network found for net1")

    with pytest.raises(exceptions.NotFoundException):
        again(missing, sleep=lambda s: None)
    assert calls == [1]

"""deploy ends with the dashboard, the credentials files and one command; never a password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from installer.answers import load
from installer.deploy.nextsteps import HORIZON_WEBROOTS, next_steps, print_next_steps

ROLE_VARS = Path(__file__).resolve().parents[3] / "roles" / "horizon" / "vars"


def _text(steps) -> str:
    console = Console(width=200, record=True)
    print_next_steps(console, steps)
    return console.export_text()


def test_dashboard_credentials_and_command(four_node: Path, tmp_path: Path) -> None:
    dep = load(four_node)
    steps = next_steps(dep, tmp_path)
    assert steps.dashboard == "https://10.0.0.11/horizon/"
    assert steps.ca_file == tmp_path / "tls" / "ca.crt"
    assert steps.command == "openstack --os-cloud openstack server list"
    assert [p.name for p in steps.credentials] == ["admin-openrc", "clouds.yaml"]
    assert len(steps.missing) == 2
    text = _text(steps)
    assert "https://10.0.0.11/horizon/" in text and "keystone_admin_password" in text
    assert f"CA:          {tmp_path}/tls/ca.crt" in text
    assert f"cd {tmp_path} && openstack --os-cloud openstack server list" in text
    assert "not written yet" in text
    for value in dep.secrets.values():
        assert value not in text
        assert value not in json.dumps(steps.as_dict())


def test_written_credentials_are_not_reported_missing(four_node: Path, tmp_path: Path) -> None:
    for name in ("admin-openrc", "clouds.yaml"):
        (tmp_path / name).write_text("x")
    steps = next_steps(load(four_node), tmp_path)
    assert steps.missing == ()
    assert "not written yet" not in _text(steps)


@pytest.mark.parametrize(("facts", "root"), [
    ({"ansible_os_family": "RedHat", "ansible_distribution": "Rocky"}, "/dashboard/"),
    ({"ansible_os_family": "Debian", "ansible_distribution": "Ubuntu"}, "/horizon/"),
    ({"ansible_os_family": "Debian", "ansible_distribution": "Debian"}, "/horizon/"),
])
def test_web_root_follows_the_node_family(four_node: Path, tmp_path: Path, facts: dict,
                                          root: str) -> None:
    (tmp_path / "facts").mkdir()
    (tmp_path / "facts" / "openstack1").write_text(json.dumps(facts))
    assert next_steps(load(four_node), tmp_path).dashboard == f"https://10.0.0.11{root}"


def test_the_fact_cache_of_ansible_core_2_19_is_read(four_node: Path, tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    payload = json.dumps({"ansible_os_family": "RedHat", "ansible_distribution": "AlmaLinux"})
    (tmp_path / "facts" / "s1_openstack1").write_text(json.dumps({"__payload__": payload}))
    assert next_steps(load(four_node), tmp_path).dashboard == "https://10.0.0.11/dashboard/"


def test_tls_off_is_said_loudly_and_the_dashboard_is_http(four_node: Path,
                                                         tmp_path: Path) -> None:
    four_node.write_text(four_node.read_text().replace("mode: self-signed", "mode: 'off'"))
    steps = next_steps(load(four_node), tmp_path)
    assert steps.dashboard == "http://10.0.0.11/horizon/" and steps.ca_file is None
    assert "TLS is OFF (tls.mode: off)" in _text(steps)


def test_the_dashboard_uses_the_public_name(four_node: Path, tmp_path: Path) -> None:
    four_node.write_text(four_node.read_text().replace("public_name: ''",
                                                       "public_name: cloud.example.org"))
    assert next_steps(load(four_node), tmp_path).dashboard == \
        "https://cloud.example.org/horizon/"


def test_no_dashboard_without_horizon(four_node: Path, tmp_path: Path) -> None:
    four_node.write_text(four_node.read_text().replace(", horizon]", "]"))
    steps = next_steps(load(four_node), tmp_path)
    assert steps.dashboard is None
    assert "dashboard:" not in _text(steps)


@pytest.mark.parametrize("family", ["Debian", "Ubuntu", "RedHat"])
def test_web_roots_are_the_horizon_role_s(family: str) -> None:
    role = yaml.safe_load((ROLE_VARS / f"{family}.yml").read_text())
    assert HORIZON_WEBROOTS[family.lower()] == role["__horizon_webroot"]

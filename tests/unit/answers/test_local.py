"""A node that is the machine stackinstall runs on: ``connection: local``, and
``answers generate --local``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from installer.answers import check, load
from installer.answers.generate import local_node
from installer.answers.secrets import fill
from installer.answers.thismachine import ThisMachine
from installer.cli import main
from installer.errors import UsageError

SAMPLES = Path(__file__).resolve().parents[3] / "answers"


def _four_node(tmp_path: Path, text_change: tuple[str, str] | None = None) -> Path:
    path = tmp_path / "four-node.yml"
    text = (SAMPLES / "four-node.yml").read_text()
    if text_change:
        assert text_change[0] in text
        text = text.replace(*text_change, 1)
    path.write_text(text)
    return path


def _problems(path: Path) -> list:
    _merged, _spath, _values, problems = check(path, with_secrets=False)
    return problems


def test_nodes_are_reached_over_ssh_unless_they_say_local(tmp_path):
    path = _four_node(tmp_path, ("    roles: [controller]", "    roles: [controller]\n"
                                 "    connection: local"))
    fill(tmp_path / "four-node.secrets.yml")
    dep = load(path)
    assert [n.connection for n in dep.nodes] == ["local", "ssh", "ssh", "ssh"]
    assert dep.local_node is dep.nodes[0] and dep.nodes[0].local
    assert not dep.nodes[1].local


def test_a_second_local_node_is_refused_naming_its_line_and_the_first(tmp_path):
    text = (SAMPLES / "four-node.yml").read_text()
    text = text.replace("    roles: [controller]", "    roles: [controller]\n    connection: local")
    text = text.replace("    roles: [compute]", "    roles: [compute]\n    connection: local")
    path = tmp_path / "four-node.yml"
    path.write_text(text)
    problems = _problems(path)
    assert [p.key for p in problems] == ["nodes[2].connection"]
    problem = problems[0]
    assert "as nodes[0] is" in problem.message and "only one node" in problem.message
    assert "connection: ssh" in problem.fix
    assert text.splitlines()[problem.line - 1].strip() == "connection: local"


def test_an_unknown_connection_is_refused_with_the_choices(tmp_path):
    path = _four_node(tmp_path, ("    roles: [network]", "    roles: [network]\n"
                                 "    connection: lokal"))
    problems = _problems(path)
    assert [p.key for p in problems] == ["nodes[1].connection"]
    assert "'lokal' is not one of ssh, local" in problems[0].message
    assert "did you mean 'local'" in problems[0].fix


def test_name_address_and_roles_stay_required(tmp_path):
    path = _four_node(tmp_path, ("    roles: [network]\n", "    connection: ssh\n"))
    problems = _problems(path)
    assert ("nodes[1]", "has no 'roles'") in [(p.key, p.message) for p in problems]


MACHINE = ThisMachine("aio1", "192.168.5.20", "192.168.5.0/24", ("eth0", "eth1"))


def test_local_node_is_this_machine_with_every_role():
    spec = local_node(MACHINE)
    assert (spec.name, spec.address, spec.connection) == ("aio1", "192.168.5.20", "local")
    assert spec.roles == ("controller", "network", "compute", "storage")


def test_a_hostname_that_is_no_node_name_is_refused():
    with pytest.raises(UsageError, match="not a valid node name"):
        local_node(ThisMachine("my_box", "192.168.5.20", "192.168.5.0/24", ()))


def test_generate_local_writes_a_valid_file_for_this_machine(tmp_path, monkeypatch):
    seen = []

    def detect(address=None):
        seen.append(address)
        return MACHINE

    monkeypatch.setattr("installer.answers.thismachine.detect", detect)
    out = tmp_path / "answers.yml"
    result = CliRunner().invoke(main, ["answers", "generate", "--local", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert seen == [None]
    data = yaml.safe_load(out.read_text())
    assert data["nodes"] == [{"name": "aio1", "address": "192.168.5.20", "connection": "local",
                              "roles": ["controller", "network", "compute", "storage"]}]
    assert data["network"]["management_cidr"] == "192.168.5.0/24"
    assert not _problems(out)
    said = " ".join(result.output.split())
    assert "network.provider_interface" in said and "eth0, eth1" in said


def test_generate_passes_address_on(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr("installer.answers.thismachine.detect",
                        lambda address=None: seen.append(address) or MACHINE)
    out = tmp_path / "answers.yml"
    result = CliRunner().invoke(main, ["answers", "generate", "--local", "--address",
                                       "192.168.5.20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert seen == ["192.168.5.20"]


@pytest.mark.parametrize("args, message", [
    (["--local", "--allinone"], "--local takes no --node or --allinone"),
    (["--local", "--node", "a=10.0.0.1:controller"], "--local takes no --node or --allinone"),
    (["--address", "10.0.0.1"], "--address goes with --local"),
])
def test_generate_refuses_local_with_other_topologies(tmp_path, args, message):
    out = tmp_path / "answers.yml"
    result = CliRunner().invoke(main, ["answers", "generate", *args, "-o", str(out)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_the_generated_file_without_a_local_node_has_no_connection_key(tmp_path):
    out = tmp_path / "answers.yml"
    result = CliRunner().invoke(main, ["answers", "generate", "--allinone", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "connection" not in yaml.safe_load(out.read_text())["nodes"][0]

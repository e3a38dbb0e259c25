"""`answers generate`: commented file, 0600 secrets, never overwrites, fills only missing."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from installer.answers import check
from installer.answers.generate import NodeSpec, generate_files
from installer.answers.schema import SCHEMA, SECRETS, TOPOLOGY_ROLES
from installer.answers.source import read
from installer.cli import main


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_generate_default_four_nodes_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "answers.yml"
    code, output = _run("answers", "generate", "-o", str(out))
    assert code == 0, output
    spath = tmp_path / "answers.secrets.yml"
    assert stat.S_IMODE(spath.stat().st_mode) == 0o600
    secrets = yaml.safe_load(spath.read_text())
    assert set(secrets) == set(SECRETS)
    assert all(len(v) >= 32 for v in secrets.values())
    assert not any(v in output for v in secrets.values()), "a secret reached the terminal"
    merged, _, _, problems = check(out)
    assert problems == [] and merged is not None
    assert [n["name"] for n in merged["nodes"]] == [f"openstack{i}" for i in range(1, 5)]
    assert [n["roles"] for n in merged["nodes"]] == [["controller"], ["network"], ["compute"],
                                                    ["storage"]]


def test_every_setting_is_written_with_a_comment(tmp_path: Path) -> None:
    out = tmp_path / "a.yml"
    generate_files(out, nodes=[NodeSpec("n1", "10.1.0.5", TOPOLOGY_ROLES)])
    text = out.read_text()
    for section, spec in SCHEMA.items():
        assert f"\n{section}:\n" in text
        for key, k in spec.keys.items():
            assert f"  # {k.doc}\n" in text and f"\n  {key}:" in text, (section, key)
    merged = check(out)[0]
    assert merged is not None and merged["network"]["management_cidr"] == "10.1.0.0/24"


def test_allinone_and_custom_nodes(tmp_path: Path) -> None:
    code, _ = _run("answers", "generate", "--allinone", "-o", str(tmp_path / "aio.yml"))
    assert code == 0
    merged = check(tmp_path / "aio.yml")[0]
    assert merged is not None and len(merged["nodes"]) == 1
    assert set(merged["nodes"][0]["roles"]) == {"controller", "network", "compute", "storage"}
    code, _ = _run("answers", "generate", "-o", str(tmp_path / "c.yml"),
                   "--node", "ctl=192.168.5.10:controller,network",
                   "--node", "cmp=192.168.5.20:compute,storage")
    assert code == 0
    merged = check(tmp_path / "c.yml")[0]
    assert merged is not None and merged["network"]["management_cidr"] == "192.168.5.0/24"


BAD_NODES = [
    ("bad", "is not of the form NAME=ADDRESS:ROLE[,ROLE]"),
    ("", "is not of the form"),
    ("a:b", "is not of the form"),
    ("a=10.0.0.1", "is not of the form"),
    ("ctl=not-an-ip:controller", "'not-an-ip' is not an IP address"),
    ("=10.0.0.1:controller", "node name before '=' is empty"),
    ("a=:controller", "address between '=' and ':' is empty"),
    ("a=10.0.0.1:", "no role after ':'"),
    ("a=10.0.0.1:dns", "unknown role(s) dns"),
    ("bad_name=10.0.0.1:controller", "'bad_name' is not a valid node name"),
    ("a=fd00::1:controller", "IPv6 management networks are not supported yet; use an IPv4 "
                             "network"),
    ("a=10.0.0.1:controller,compute", "nodes: has no network node"),
]


@pytest.mark.parametrize(("spec", "part"), BAD_NODES, ids=[b[0] or "empty" for b in BAD_NODES])
def test_bad_node_option_is_a_usage_error(tmp_path: Path, spec: str, part: str) -> None:
    code, output = _run("answers", "generate", "-o", str(tmp_path / "x.yml"), "--node", spec)
    assert code == 2, output
    assert f"--node {spec!r}" in output or "--node options" in output
    assert part in output and "NAME=ADDRESS:ROLE[,ROLE]" in output
    assert not list(tmp_path.iterdir()), "a bad --node wrote a file"


def test_nodes_must_make_a_topology_together(tmp_path: Path) -> None:
    code, output = _run("answers", "generate", "-o", str(tmp_path / "x.yml"),
                        "--node", "a=10.0.0.1:controller,network",
                        "--node", "a=10.0.0.2:compute,storage")
    assert code == 2 and "duplicate node name 'a'" in output
    code, output = _run("answers", "generate", "-o", str(tmp_path / "x.yml"), "--allinone",
                        "--node", "a=10.0.0.1:controller,network,compute,storage")
    assert code == 2 and "--allinone and --node" in output
    assert not list(tmp_path.iterdir())


def test_nodes_in_several_subnets_get_a_management_network_holding_them(tmp_path: Path):
    code, output = _run("answers", "generate", "-o", str(tmp_path / "x.yml"),
                        "--node", "a=10.0.0.1:controller,network",
                        "--node", "b=10.0.3.254:compute,storage")
    assert code == 0, output
    merged, _, _, problems = check(tmp_path / "x.yml")
    assert problems == [] and merged["network"]["management_cidr"] == "10.0.0.0/22"


def test_text_is_written_quoted_so_edits_stay_text(tmp_path: Path) -> None:
    out = tmp_path / "answers.yml"
    generate_files(out, nodes=[NodeSpec("n1", "10.1.0.5", TOPOLOGY_ROLES)])
    text = out.read_text()
    assert '  vni_range: "1:1000"\n' in text and '  prompt: \'[\\u@\\h \\W]\\$ \'\n' in text
    converted = read(out).written  # plain scalars YAML turned into numbers, bools, dates
    assert "ssh.port" in converted and "ssh.become" in converted
    for key in converted:  # only settings that are numbers or booleans are written unquoted
        section, name = key.split(".")
        assert SCHEMA[section].keys[name].type in ("int", "port", "bool"), key
    out.write_text(text.replace('"1:1000"', '"1:50"').replace('user: "root"', 'user: "yes"'))
    merged, _, _, problems = check(out)
    assert problems == [], [str(p) for p in problems]
    assert merged["network"]["vni_range"] == "1:50" and merged["ssh"]["user"] == "yes"


def test_existing_answer_file_is_refused_with_exit_4(tmp_path: Path) -> None:
    out = tmp_path / "answers.yml"
    _run("answers", "generate", "-o", str(out))
    spath = tmp_path / "answers.secrets.yml"
    secrets = yaml.safe_load(spath.read_text())
    del secrets["nova_db_password"]
    spath.write_text(yaml.safe_dump(secrets))
    before = {p: p.read_text() for p in (out, spath)}
    code, output = _run("answers", "generate", "-o", str(out))
    assert code == 4, output
    assert f"answer file {out} exists" in output and "never overwrites" in output
    assert f"stackinstall answers generate --secrets-only -o {out}" in output
    assert {p: p.read_text() for p in (out, spath)} == before, "a refused generate wrote"


def test_secrets_only_fills_missing_secrets_and_never_touches_the_answers(tmp_path: Path):
    out = tmp_path / "answers.yml"
    _run("answers", "generate", "-o", str(out))
    out.write_text(out.read_text().replace('virt_type: "kvm"', 'virt_type: "qemu"'))
    before_answers = out.read_text()
    spath = tmp_path / "answers.secrets.yml"
    secrets = yaml.safe_load(spath.read_text())
    kept = secrets.pop("nova_db_password")
    spath.write_text(yaml.safe_dump(secrets))
    code, output = _run("answers", "generate", "--secrets-only", "-o", str(out))
    assert code == 0
    assert out.read_text() == before_answers
    assert "left as it is" in output and "nova_db_password" in output
    after = yaml.safe_load(spath.read_text())
    assert {k: after[k] for k in secrets} == secrets, "an existing secret changed"
    assert after["nova_db_password"] != kept and len(after["nova_db_password"]) >= 32
    assert stat.S_IMODE(spath.stat().st_mode) == 0o600
    code, output = _run("answers", "generate", "--secrets-only", "-o", str(out))
    assert code == 0 and "nothing added" in output
    assert yaml.safe_load(spath.read_text()) == after
    code, output = _run("answers", "generate", "--secrets-only", "-o", str(tmp_path / "no.yml"))
    assert code == 2 and "does not exist" in output
    code, output = _run("answers", "generate", "--secrets-only", "-o", str(out), "--allinone")
    assert code == 2 and "takes no --node or --allinone" in output


def _fix_command(problems: list, part: str) -> list[str]:
    (problem,) = [p for p in problems if part in p.message]
    command = problem.fix.split("`")[1]
    assert command.startswith("stackinstall ")
    return shlex.split(command)[1:]


@pytest.mark.parametrize("own_secrets", [False, True])
def test_the_printed_fix_for_missing_secrets_creates_them(tmp_path: Path, monkeypatch,
                                                           own_secrets: bool) -> None:
    monkeypatch.chdir(tmp_path)  # the fix is run as printed, from where validate ran
    _run("answers", "generate", "-o", "my answers.yml")
    Path("my answers.secrets.yml").unlink()
    secrets = Path("elsewhere/s.yml") if own_secrets else None
    problems = check(Path("my answers.yml"), secrets)[3]
    code, output = _run(*_fix_command(problems, "does not exist"))
    assert code == 0, output
    assert check(Path("my answers.yml"), secrets)[3] == []
    spath = secrets or Path("my answers.secrets.yml")
    data = yaml.safe_load(spath.read_text())
    del data["glance_db_password"]
    spath.write_text(yaml.safe_dump(data))
    code, output = _run(*_fix_command(check(Path("my answers.yml"), secrets)[3], "is missing"))
    assert code == 0 and "glance_db_password" in output
    assert check(Path("my answers.yml"), secrets)[3] == []


def test_broken_secrets_file_is_left_untouched(tmp_path: Path) -> None:
    out = tmp_path / "answers.yml"
    spath = tmp_path / "answers.secrets.yml"
    spath.write_text("this: [is broken\n")
    code, output = _run("answers", "generate", "-o", str(out))
    assert code == 3 and "left untouched" in output and "is not valid YAML" in output
    assert spath.read_text() == "this: [is broken\n"


def test_settings_override_defaults(tmp_path: Path) -> None:
    out = tmp_path / "lab.yml"
    generate_files(out, tmp_path / "lab-secrets.yml",
                   nodes=[NodeSpec("openstack1", "10.213.0.11", TOPOLOGY_ROLES)],
                   settings={"network": {"management_cidr": "10.213.0.0/24"},
                             "ntp": {"servers": []}, "repos": {"proxy": "http://10.213.0.1:3142"},
                             "deployment": {"name": "lab"}, "nova": {"virt_type": "qemu"}})
    merged, spath, values, problems = check(out)
    assert problems == [], problems
    assert spath == tmp_path / "lab-secrets.yml"
    assert merged["ntp"]["servers"] == [] and merged["repos"]["proxy"].endswith(":3142")
    assert merged["deployment"]["name"] == "lab" and len(values) == len(SECRETS)

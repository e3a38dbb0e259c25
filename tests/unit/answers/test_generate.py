"""`answers generate`: commented file, 0600 secrets, never overwrites, fills only missing."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml
from click.testing import CliRunner

from installer.answers import check
from installer.answers.generate import NodeSpec, generate_files
from installer.answers.schema import SCHEMA, SECRETS, TOPOLOGY_ROLES
from installer.cli import main


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


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


def test_bad_node_option_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _run("answers", "generate", "-o", str(tmp_path / "x.yml"), "--node", "bad")
    assert code == 2 and "NAME=ADDRESS:ROLE" in output
    code, output = _run("answers", "generate", "-o", str(tmp_path / "x.yml"),
                        "--node", "a=10.0.0.1:dns")
    assert code == 2 and "dns" in output
    assert not (tmp_path / "x.yml").exists()


def test_rerun_never_overwrites_and_fills_missing_secrets(tmp_path: Path) -> None:
    out = tmp_path / "answers.yml"
    _run("answers", "generate", "-o", str(out))
    out.write_text(out.read_text().replace("virt_type: kvm", "virt_type: qemu"))
    before_answers = out.read_text()
    spath = tmp_path / "answers.secrets.yml"
    secrets = yaml.safe_load(spath.read_text())
    kept = secrets.pop("nova_db_password")
    spath.write_text(yaml.safe_dump(secrets))
    code, output = _run("answers", "generate", "-o", str(out))
    assert code == 0
    assert out.read_text() == before_answers
    assert "exists" in output and "nova_db_password" in output
    after = yaml.safe_load(spath.read_text())
    assert {k: after[k] for k in secrets} == secrets, "an existing secret changed"
    assert after["nova_db_password"] != kept and len(after["nova_db_password"]) >= 32
    assert stat.S_IMODE(spath.stat().st_mode) == 0o600
    code, output = _run("answers", "generate", "-o", str(out))
    assert code == 0 and "nothing added" in output
    assert yaml.safe_load(spath.read_text()) == after


def test_broken_secrets_file_is_left_untouched(tmp_path: Path) -> None:
    out = tmp_path / "answers.yml"
    spath = tmp_path / "answers.secrets.yml"
    spath.write_text("this: [is broken\n")
    code, output = _run("answers", "generate", "-o", str(out))
    assert code == 3 and "left untouched" in output
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

"""`answers validate --json` and `render --json`: one JSON document on stdout."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from installer.cli import main


def test_validate_json_valid(four_node: Path) -> None:
    result = CliRunner().invoke(main, ["answers", "validate", str(four_node), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "valid" and doc["problems"] == []
    assert doc["nodes"] == ["openstack1", "openstack2", "openstack3", "openstack4"]
    assert doc["secrets_file"].endswith("four-node.secrets.yml")


def test_validate_json_lists_every_problem_with_file_line_key_and_fix(four_node: Path) -> None:
    text = four_node.read_text()
    four_node.write_text(text.replace("  port: 22", "  port: twenty")
                         .replace("  upgrade: first", "  upgrade: sometimes"))
    result = CliRunner().invoke(main, ["answers", "validate", str(four_node), "--json"])
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    assert doc["status"] == "invalid"
    by_key = {p["key"]: p for p in doc["problems"]}
    assert set(by_key) == {"ssh.port", "repos.upgrade"}
    upgrade = by_key["repos.upgrade"]
    assert upgrade["file"] == str(four_node)
    assert upgrade["line"] == text.splitlines().index("  upgrade: first") + 1
    assert "first" in upgrade["fix"] and upgrade["message"]
    assert "2 problem(s) found" in " ".join(result.stderr.split())


def test_render_json_lists_the_files_written(four_node: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(four_node), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["out_dir"] == str(out.resolve())
    files = {Path(f).relative_to(out.resolve()).as_posix() for f in doc["files"]}
    assert {"inventory/hosts.yml", "inventory/group_vars/all/main.yml",
            "inventory/group_vars/all/secrets.yml",
            "inventory/host_vars/openstack1.yml"} <= files
    assert all(Path(f).is_file() for f in doc["files"])


def test_render_json_of_an_invalid_file_is_its_problems(four_node: Path, tmp_path: Path) -> None:
    four_node.write_text(four_node.read_text().replace("  port: 22", "  port: twenty"))
    result = CliRunner().invoke(main, ["render", str(four_node), "-o", str(tmp_path / "o"),
                                       "--json"])
    assert result.exit_code == 3
    assert [p["key"] for p in json.loads(result.stdout)["problems"]] == ["ssh.port"]
    assert not (tmp_path / "o").exists()

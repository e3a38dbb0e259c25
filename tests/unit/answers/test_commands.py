"""`answers validate --json`: one JSON document on stdout."""

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


"""`stackinstall render`: its files, --json, and an invalid answer file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from installer.cli import main


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


def test_render_says_what_it_wrote(four_node: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(four_node), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())  # rich wraps long lines
    assert f"inventory:{out.resolve() / 'inventory' / 'hosts.yml'}" in text
    assert "secrets:inventory/group_vars/all/secrets.yml(mode0600,notshown)" in text

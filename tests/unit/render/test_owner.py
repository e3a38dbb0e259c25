"""Two answer files with the same deployment.name never share a deployment directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.answers import load
from installer.cli import main
from installer.deploy.prepare import load_and_render
from installer.errors import FileExistsRefusal
from installer.render import render
from installer.render.owner import MARKER
from installer.verify.command import rendered_paths


def _twin(four_node: Path, name: str = "other.yml") -> Path:
    """A second answer file beside four_node with the same deployment.name."""
    other = four_node.with_name(name)
    shutil.copy(four_node, other)
    shutil.copy(four_node.with_name("four-node.secrets.yml"), four_node.with_name("s2.yml"))
    other.write_text(other.read_text().replace("secrets_file: four-node.secrets.yml",
                                               "secrets_file: s2.yml"))
    return other


def test_second_answer_file_with_the_same_name_is_refused(four_node: Path) -> None:
    first = render(load(four_node))
    assert first.out_dir == four_node.parent / "deployments" / "openstack"
    assert (first.out_dir / MARKER).read_text() == f"{four_node.resolve()}\n"
    before = {p: p.read_bytes() for p in first.out_dir.rglob("*") if p.is_file()}
    other = _twin(four_node)
    with pytest.raises(FileExistsRefusal) as err:
        render(load(other))
    message = f"{err.value.message} {err.value.hint}"
    assert str(four_node.resolve()) in message and str(other.resolve()) in message
    assert "deployment.name" in message and err.value.exit_code == 4
    with pytest.raises(FileExistsRefusal):
        load_and_render(other, None, None)  # what `deploy` runs first
    with pytest.raises(FileExistsRefusal):
        rendered_paths(other, None, None)  # what `verify` reads
    after = {p: p.read_bytes() for p in first.out_dir.rglob("*") if p.is_file()}
    assert after == before, "the refused render changed the other deployment"
    render(load(four_node))  # its owner renders again


def test_render_cli_exits_4_and_names_both_files(four_node: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["render", str(four_node)]).exit_code == 0
    other = _twin(four_node)
    result = runner.invoke(main, ["render", str(other)])
    output = " ".join(result.output.split())
    assert result.exit_code == 4, output
    assert str(other.resolve()) in output and "four-node.yml" in output
    assert "give other.yml its own deployment.name" in output
    assert "Traceback" not in output


def test_a_directory_rendered_before_the_marker_keeps_its_owner(four_node: Path) -> None:
    out = render(load(four_node)).out_dir
    (out / MARKER).unlink()  # as rendered by an older stackinstall: only the header says
    with pytest.raises(FileExistsRefusal):
        render(load(_twin(four_node)))
    render(load(four_node))
    assert (out / MARKER).is_file()


def test_same_file_by_another_path_is_the_same_owner(four_node: Path, monkeypatch) -> None:
    render(load(four_node))
    monkeypatch.chdir(four_node.parent)
    render(load(Path("./four-node.yml")))  # relative, as typed on the command line

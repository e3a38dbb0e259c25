from click.testing import CliRunner

from installer.cli import main


def test_unknown_node_is_a_usage_error_before_any_connection(four_node):
    result = CliRunner().invoke(main, ["verify", str(four_node), "--limit", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output


def test_invalid_answer_file_exits_with_the_answer_file_code(tmp_path):
    bad = tmp_path / "a.yml"
    bad.write_text("nodes: 3\n")
    result = CliRunner().invoke(main, ["verify", str(bad)])
    assert result.exit_code == 3

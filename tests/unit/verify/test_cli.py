from click.testing import CliRunner

from installer.cli import main


def test_unknown_node_is_a_usage_error_before_any_connection(four_node):
    assert CliRunner().invoke(main, ["render", str(four_node)]).exit_code == 0
    result = CliRunner().invoke(main, ["verify", str(four_node), "--limit", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output


def test_a_deployment_never_rendered_is_refused_and_left_alone(four_node):
    result = CliRunner().invoke(main, ["verify", str(four_node)])
    assert result.exit_code == 8
    assert "render/deploy first" in " ".join(result.output.split())
    assert not (four_node.parent / "deployments").exists()


def test_verify_reads_the_rendered_deployment_without_rendering_again(four_node):
    assert CliRunner().invoke(main, ["render", str(four_node)]).exit_code == 0
    hosts = four_node.parent / "deployments" / "openstack" / "inventory" / "hosts.yml"
    hosts.write_text(hosts.read_text() + "# as deployed\n")
    result = CliRunner().invoke(main, ["verify", str(four_node), "--limit", "nope"])
    assert result.exit_code == 2  # the rendered nodes were read: none is named nope
    assert hosts.read_text().endswith("# as deployed\n")


def test_invalid_answer_file_exits_with_the_answer_file_code(tmp_path):
    bad = tmp_path / "a.yml"
    bad.write_text("nodes: 3\n")
    result = CliRunner().invoke(main, ["verify", str(bad)])
    assert result.exit_code == 3

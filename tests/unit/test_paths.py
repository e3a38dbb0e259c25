"""DeployPaths: the layout render writes is the one every reader finds."""

from __future__ import annotations

from pathlib import Path

import yaml

from installer.answers import load
from installer.paths import DeployPaths
from installer.render import render


def test_render_writes_where_deploy_paths_say(four_node: Path, tmp_path: Path) -> None:
    dep = load(four_node)
    paths = DeployPaths.at(tmp_path / "d", dep.default_deploy_dir)
    assert not paths.rendered
    result = render(dep, tmp_path / "d")
    assert result.paths == paths and paths.rendered
    names = [n.name for n in dep.nodes]
    assert set(result.files) == {paths.hosts, paths.main_vars, paths.catalogue_vars,
                                 paths.secrets, *(paths.host_vars(n) for n in names)}
    assert paths.owner_marker.read_text().strip() == str(four_node.resolve())
    args = yaml.safe_load(paths.host_vars(names[0]).read_text())["ansible_ssh_common_args"]
    assert f"UserKnownHostsFile={paths.known_hosts}" in args


def test_the_default_is_beside_the_answer_file_and_absolute(tmp_path: Path) -> None:
    default = tmp_path / "deployments" / "x"
    assert DeployPaths.at(None, default).root == default.resolve()
    assert DeployPaths.at(Path("rel"), default).root == Path("rel").resolve()
    assert DeployPaths(default).credentials == (default / "admin-openrc",
                                                default / "clouds.yaml")

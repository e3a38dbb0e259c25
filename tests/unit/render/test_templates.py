"""`render` writes the inventory through the templates of templates/inventory/: a change to a
template shows up in what render writes, and every template is used."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest
import yaml

from installer import templates
from installer.answers import load
from installer.paths import DeployPaths
from installer.render import HOSTS_TEMPLATE, render
from installer.render.owner import owner


@pytest.fixture
def template_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of templates/ that render reads instead of the real one."""
    copy = tmp_path / "templates"
    shutil.copytree(templates.TEMPLATES_DIR, copy)
    monkeypatch.setattr(templates, "TEMPLATES_DIR", copy)
    return copy


def _written(out: Path) -> dict[str, str]:
    inventory = out / "inventory"
    return {str(p.relative_to(inventory)): p.read_text() for p in sorted(inventory.rglob("*.yml"))}


def test_every_inventory_file_comes_from_its_template(four_node: Path, template_copy: Path,
                                                      tmp_path: Path) -> None:
    inventory = template_copy / "inventory"
    marked = {}
    for path in sorted(inventory.rglob("*.yml.j2")):
        rel = str(path.relative_to(inventory)).removesuffix(".j2")
        marker = f"# marked template {rel}"
        path.write_text(path.read_text() + marker + "\n")
        marked[rel] = marker
    out = tmp_path / "deploy"
    render(load(four_node), out)
    files = _written(out)
    assert sorted(files) == ["group_vars/all/catalogue.yml", "group_vars/all/main.yml",
                             "group_vars/all/secrets.yml", "host_vars/openstack1.yml",
                             "host_vars/openstack2.yml", "host_vars/openstack3.yml",
                             "host_vars/openstack4.yml", "hosts.yml"]
    used = set()
    for rel, text in files.items():
        template = "host_vars/node.yml" if rel.startswith("host_vars/") else rel
        assert text.endswith(marked[template] + "\n"), rel
        assert sum(m in text for m in marked.values()) == 1, rel
        yaml.safe_load(text)  # still YAML: the marker is a comment
        used.add(template)
    assert used == set(marked)


def test_the_header_template_heads_every_file_and_names_the_owner(
        four_node: Path, template_copy: Path, tmp_path: Path) -> None:
    header = template_copy / "inventory" / "_header.j2"
    header.write_text(header.read_text().replace("edit the answer file, not this file",
                                                 "changed in the template copy"))
    out = tmp_path / "deploy"
    render(load(four_node), out)
    for rel, text in _written(out).items():
        assert text.splitlines()[0] == (f"# Rendered by stackinstall from {four_node}; "
                                        "changed in the template copy."), rel
    DeployPaths(out).owner_marker.unlink()  # as a directory rendered before the marker
    assert owner(out) == four_node  # the header is read back through the same template


def test_a_value_the_template_names_but_lacks_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        templates.render(HOSTS_TEMPLATE, {"source": "answers.yml", "hosts": ["a"]})


@pytest.mark.parametrize("value", ["openstack1", "123", "yes", "null", "1:50", "a b", "x-1"])
def test_a_scalar_reads_back_as_itself_and_as_yaml_writes_a_key(value: str) -> None:
    text = templates.to_yaml_scalar(value)
    assert yaml.safe_load(text) == value
    assert f"{text}: null\n" == yaml.safe_dump({value: None})

"""Taking a node out of an answer file keeps every other line, comments included."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from installer.errors import UsageError
from installer.node.answerfile import with_node, without_node

SAMPLE = Path(__file__).resolve().parents[3] / "answers" / "four-node.yml"
#: the shape `lab up` writes (quoted scalars), with a fifth node appended by the operator
LAB = """nodes:
  - name: "openstack1"
    address: "10.237.0.11"
    roles: ["controller"]
  - name: "openstack5"
    address: "10.237.0.15"
    roles: ["compute"]
  # the storage node
  - name: "openstack4"
    address: "10.237.0.14"
    roles: ["storage"]

# Time: the controller follows these servers.
ntp:
  servers: []
"""


def test_a_middle_node_goes_and_nothing_else():
    text = without_node(LAB, "openstack5")
    assert text == LAB.replace('  - name: "openstack5"\n    address: "10.237.0.15"\n'
                               '    roles: ["compute"]\n', "")


def test_the_last_node_goes_and_the_comment_after_it_stays():
    text = without_node(LAB, "openstack4")
    assert [n["name"] for n in yaml.safe_load(text)["nodes"]] == ["openstack1", "openstack5"]
    assert "# Time: the controller follows these servers.\nntp:" in text
    assert "# the storage node\n" in text


def test_the_sample_loses_exactly_its_compute_node():
    original = SAMPLE.read_text()
    text = without_node(original, "openstack3")
    data, before = yaml.safe_load(text), yaml.safe_load(original)
    assert [n["name"] for n in data["nodes"]] == ["openstack1", "openstack2", "openstack4"]
    before["nodes"] = [n for n in before["nodes"] if n["name"] != "openstack3"]
    assert data == before
    assert len(original.splitlines()) - len(text.splitlines()) == 3


def test_a_flow_style_node_is_one_line():
    first = "nodes:\n  - {name: a, address: 10.0.0.1, roles: [controller]}\n"
    assert without_node(first + "  - {name: b}\n", "b") == first


def test_an_unknown_node_is_a_usage_error():
    with pytest.raises(UsageError, match="no node named 'openstack9'"):
        without_node(LAB, "openstack9")


def test_a_node_is_appended_after_the_last_one_and_removed_again():
    text = with_node(LAB, "openstack6", "10.237.0.16", ["compute"])
    assert [n["name"] for n in yaml.safe_load(text)["nodes"]] == [
        "openstack1", "openstack5", "openstack4", "openstack6"]
    assert yaml.safe_load(text)["nodes"][-1] == {
        "name": "openstack6", "address": "10.237.0.16", "roles": ["compute"]}
    assert without_node(text, "openstack6") == LAB

"""What `stackinstall node remove` refuses before it touches the cloud."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from installer.answers import load
from installer.errors import UsageError
from installer.node.remove import refuse_unsafe


def _with_fifth_compute(four_node: Path) -> Path:
    data = yaml.safe_load(four_node.read_text())
    data["nodes"].append({"name": "openstack5", "address": "10.0.0.15", "roles": ["compute"]})
    four_node.write_text(yaml.safe_dump(data))
    return four_node


def test_the_controller_and_a_last_node_a_service_needs_are_kept(four_node: Path):
    dep = load(four_node)
    with pytest.raises(UsageError, match="openstack1 is the controller"):
        refuse_unsafe(dep, "openstack1")
    with pytest.raises(UsageError, match="openstack3 is the only compute node, which nova"):
        refuse_unsafe(dep, "openstack3")
    with pytest.raises(UsageError, match="openstack4 is the only storage node, which cinder"):
        refuse_unsafe(dep, "openstack4")
    with pytest.raises(UsageError, match="no node named 'openstack9'"):
        refuse_unsafe(dep, "openstack9")


def test_one_of_two_compute_nodes_may_go(four_node: Path):
    dep = load(_with_fifth_compute(four_node))
    refuse_unsafe(dep, "openstack5")
    refuse_unsafe(dep, "openstack3")

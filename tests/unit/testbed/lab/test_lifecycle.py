"""`lab up` gives running nodes what a new node gets: the controller's provider address."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from installer.testbed.lab import lifecycle, network, topology
from installer.testbed.lab.state import NodeState


@pytest.fixture
def commands(monkeypatch):
    ran: list[list[str]] = []

    def run(argv, check=True):
        ran.append(argv)
        return SimpleNamespace(returncode=0, stdout="", stderr="")

    monkeypatch.setattr(network, "run", run)
    monkeypatch.setattr(network, "netns_exists", lambda name: name != "gone")
    return ran


def _state(plan, netns=None):
    return [NodeState(n.name, n.index, n.address, list(n.roles),
                      netns=netns or f"si-lab-{n.name}") for n in plan.nodes]


def test_running_controller_gets_its_provider_address_and_nobody_else(commands):
    plan = topology.plan_default("lab", 4, "10.213.0.0/24")
    done = lifecycle.ensure_provider_addresses(plan, _state(plan))
    assert done == ["openstack1 10.213.1.11"]
    assert commands == [["ip", "-n", "si-lab-openstack1", "addr", "replace", "10.213.1.11/24",
                         "dev", "eth1"]]
    # only an address: never a route or a forwarding switch
    assert not any("route" in argv or "forwarding" in " ".join(argv) for argv in commands)


def test_a_node_whose_namespace_is_gone_is_left_to_its_restart(commands):
    plan = topology.plan_default("lab", 4, "10.213.0.0/24")
    assert lifecycle.ensure_provider_addresses(plan, _state(plan, netns="gone")) == []
    assert commands == []


def test_a_new_controller_link_is_addressed_on_the_provider_bridge(commands, monkeypatch):
    monkeypatch.setattr(network, "link_exists", lambda name: True)
    network.ensure_node_link("si-lab-1p", "si-lab-p", "si-lab-openstack1", "eth1",
                             "10.213.1.11", 24, "02:00:00:00:00:01")
    assert ["ip", "-n", "si-lab-openstack1", "addr", "replace", "10.213.1.11/24", "dev",
            "eth1"] in commands


def _plan(count: int, suite: str = "bookworm", cidr: str = "10.237.0.0/24"):
    from installer.testbed.lab.topology import LabNode, LabPlan

    roles = ["controller", "network", "compute", "storage", "compute"]
    return LabPlan("cat", cidr, "10.237.1.0/24", tuple(
        LabNode(f"openstack{i}", i, f"10.237.0.{10 + i}", (roles[i - 1],))
        for i in range(1, count + 1)), suite)


def test_nodes_appended_to_the_answer_file_grow_the_lab_and_nothing_else_does():
    from installer.testbed.lab.lifecycle import _grows

    assert _grows(_plan(4), _plan(5))
    assert not _grows(_plan(4), _plan(4))  # the same lab: nothing to add
    assert not _grows(_plan(5), _plan(4))  # removing a node is not growing
    assert not _grows(_plan(4), _plan(5, suite="trixie"))
    assert not _grows(_plan(4), _plan(5, cidr="10.238.0.0/24"))
    changed = _plan(5)
    changed = type(changed)(changed.name, changed.management_cidr, changed.provider_cidr,
                            (changed.nodes[1], changed.nodes[0], *changed.nodes[2:]),
                            changed.suite)
    assert not _grows(_plan(4), changed)  # the first nodes must stay as they are

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from installer.errors import LabError
from installer.lab import topology


def test_default_plan_is_the_four_node_reference_topology():
    plan = topology.plan_default("lab", 4, "10.213.0.0/24")
    assert [(n.name, n.address, n.roles) for n in plan.nodes] == [
        ("openstack1", "10.213.0.11", ("controller",)),
        ("openstack2", "10.213.0.12", ("network",)),
        ("openstack3", "10.213.0.13", ("compute",)),
        ("openstack4", "10.213.0.14", ("storage",)),
    ]
    assert plan.bridge_address == "10.213.0.1"
    assert plan.provider_cidr == "10.213.1.0/24"
    assert plan.provider_bridge_address == "10.213.1.1"
    assert plan.proxy_url == "http://10.213.0.1:3142"


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 9])
def test_every_role_is_covered_and_exactly_one_controller(count):
    roles = topology.default_roles(count)
    assert len(roles) == count
    flat = [r for rs in roles for r in rs]
    assert set(flat) == {"controller", "network", "compute", "storage"}
    assert flat.count("controller") == 1


def test_extra_nodes_are_computes():
    assert topology.default_roles(6)[4:] == [("compute",), ("compute",)]


@given(st.integers(min_value=1, max_value=99))
def test_allocation_is_unique_inside_the_subnet_and_skips_the_bridge(count):
    addrs = topology.allocate_addresses("10.213.0.0/24", count)
    net = ipaddress.ip_network("10.213.0.0/24")
    assert len(set(addrs)) == count
    assert all(ipaddress.ip_address(a) in net for a in addrs)
    assert "10.213.0.1" not in addrs
    assert addrs[0] == "10.213.0.11"


def test_allocation_refuses_a_subnet_that_is_too_small():
    assert topology.allocate_addresses("10.213.0.0/28", 4)[-1] == "10.213.0.14"
    with pytest.raises(LabError, match="room for 4 lab nodes, 5 requested"):
        topology.allocate_addresses("10.213.0.0/28", 5)


@pytest.mark.parametrize("cidr", ["8.8.8.0/24", "192.0.2.0/24x", "10.213.0.5/24", "127.0.0.0/24"])
def test_only_private_well_formed_subnets_are_accepted(cidr):
    with pytest.raises(LabError):
        topology.plan_default("lab", 2, cidr)


def test_management_and_provider_subnets_must_not_overlap():
    with pytest.raises(LabError, match="overlap"):
        topology.plan_default("lab", 2, "10.213.0.0/24", "10.213.0.0/25")


def test_plan_from_nodes_keeps_the_given_addresses():
    plan = topology.plan_from_nodes(
        "x",
        "10.50.0.0/24",
        [("a1", "10.50.0.20", ["controller"]), ("b1", "10.50.0.30", ["compute"])],
    )
    assert [(n.index, n.address) for n in plan.nodes] == [(1, "10.50.0.20"), (2, "10.50.0.30")]
    assert plan.node("b1").roles == ("compute",)
    with pytest.raises(LabError, match="no node"):
        plan.node("zz")


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([("a", "10.51.0.20", ["controller"])], "not a host address"),
        ([("a", "10.50.0.1", ["controller"])], "reserved for the lab bridge"),
        ([("a", "10.50.0.20", ["controller"]), ("b", "10.50.0.20", ["compute"])], "twice"),
        ([("a", "10.50.0.20", ["controller"]), ("a", "10.50.0.21", ["compute"])], "twice"),
        ([("a", "nonsense", ["controller"])], "not an IPv4 address"),
        ([], "no nodes"),
    ],
)
def test_plan_from_nodes_rejects_bad_topologies(nodes, message):
    with pytest.raises(LabError, match=message):
        topology.plan_from_nodes("x", "10.50.0.0/24", nodes)


def test_default_provider_block_follows_the_management_block():
    assert topology.default_provider_cidr("10.219.0.0/24") == "10.219.1.0/24"
    assert topology.default_provider_cidr("10.0.0.0/16") == "10.1.0.0/16"

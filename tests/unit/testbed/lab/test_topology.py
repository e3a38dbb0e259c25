from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from installer.errors import LabError
from installer.testbed.lab import topology


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


def test_only_a_controller_without_a_neutron_agent_gets_a_provider_address():
    plan = topology.plan_default("lab", 4, "10.213.0.0/24")
    assert {n.name: topology.provider_address(plan, n) for n in plan.nodes} == {
        "openstack1": "10.213.1.11", "openstack2": None, "openstack3": None, "openstack4": None,
    }
    # all-in-one and controller+network: neutron's agent owns eth1 there
    for count in (1, 2):
        small = topology.plan_default("lab", count, "10.213.0.0/24")
        assert [topology.provider_address(small, n) for n in small.nodes] == [None] * count
    # controller+storage (3 nodes) is a controller without an agent
    three = topology.plan_default("lab", 3, "10.213.0.0/24")
    assert topology.provider_address(three, three.nodes[0]) == "10.213.1.11"


@pytest.mark.parametrize("index", [1, 5, 60, 117])
def test_a_provider_address_stays_below_the_floating_pool_and_off_the_bridge(index):
    plan = topology.plan_default("lab", 4, "10.213.0.0/24")
    node = topology.LabNode("c", index, "10.213.0.200", ("controller",))
    address = ipaddress.IPv4Address(topology.provider_address(plan, node))
    net = ipaddress.IPv4Network(plan.provider_cidr)
    assert address in net
    assert address != ipaddress.IPv4Address(plan.provider_bridge_address)
    assert int(address) - int(net.network_address) < net.num_addresses // 2  # pool: upper half


def test_a_provider_subnet_without_room_below_the_pool_gives_no_address():
    plan = topology.plan_default("lab", 4, "10.213.0.0/24", "10.213.1.0/28")
    assert topology.provider_address(plan, plan.nodes[0]) is None
    big = topology.LabNode("c", 118, "10.213.0.200", ("controller",))
    assert topology.provider_address(topology.plan_default("lab", 4, "10.213.0.0/24"), big) is None


def test_vms_are_chosen_by_role_or_node_name():
    from installer.testbed.lab.topology import VmSpec, plan_default, with_vms

    plan = plan_default("lab", 5, "10.213.0.0/24")
    spec = VmSpec(memory_mib=1024)
    by_role = with_vms(plan, ["compute"], spec)
    assert [n.name for n in by_role.nodes if n.vm] == ["openstack3", "openstack5"]
    by_name = with_vms(plan, ["openstack1", " storage "], spec)
    assert [n.name for n in by_name.nodes if n.vm] == ["openstack1", "openstack4"]
    assert all(n.vm == spec for n in by_name.nodes if n.vm)
    assert [n.address for n in by_name.nodes] == [n.address for n in plan.nodes]
    with pytest.raises(LabError, match="no node or role of this lab: nope"):
        with_vms(plan, ["compute", "nope"], spec)

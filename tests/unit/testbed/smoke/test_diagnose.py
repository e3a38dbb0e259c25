"""Diagnoses read from openstacksdk's own resource objects."""

from __future__ import annotations

from types import SimpleNamespace

from openstack.network.v2.agent import Agent
from openstack.network.v2.port import Port

from installer.testbed.smoke.diagnose import agent_findings, port_findings, router_namespace


def test_ports_that_no_agent_bound_or_wired_are_named() -> None:
    ports = [Port(id="p1", status="DOWN", binding_vif_type="bridge"),
             Port(id="p2", status="DOWN", binding_vif_type="binding_failed"),
             Port(id="p3", status="ACTIVE", binding_vif_type="ovs")]
    assert port_findings(ports) == [
        "port p1 is DOWN (the L2 agent has not wired it)",
        "port p2 binding is binding_failed (no L2 agent on the node could bind it)"]


def test_a_dead_or_missing_l2_agent_is_named() -> None:
    dead = Agent(agent_type="Open vSwitch agent", is_alive=False, is_admin_state_up=True)
    assert agent_findings([dead], "openstack3") == [
        "Open vSwitch agent on openstack3 is not alive"]
    assert agent_findings([Agent(agent_type="DHCP agent", is_alive=True)], "n") == [
        "no L2 agent is registered on n"]


def test_the_router_namespace_facts_never_raise() -> None:
    def broken(command: str) -> None:
        raise OSError("ssh: connection refused")

    said = router_namespace(SimpleNamespace(run=broken), "r1", "10.243.0.200", "172.31.254.5")
    assert said == ("in qrouter-r1 for 10.243.0.200 -> 172.31.254.5: unreadable "
                    "(ssh: connection refused)")

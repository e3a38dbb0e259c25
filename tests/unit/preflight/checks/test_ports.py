from installer.preflight.checks.ports import ports
from installer.preflight.facts import Listener
from installer.preflight.findings import Status

from ..conftest import context, facts_of, with_facts


def by_check(findings):
    return {f.check: f for f in findings}


def test_foreign_listener_on_a_needed_port_is_named(deployment):
    got = by_check(ports(context(deployment, "openstack1")))  # python3 -m http.server 9292
    assert got["port 9292"].status is Status.FAIL
    assert got["port 9292"].found == "python3 (pid 158) listens on 0.0.0.0:9292"
    assert got["port 9292"].expected == "free for glance"
    assert got["port 3306"].status is Status.PASS and got["port 3306"].found == "free"
    assert "port 22" not in got


def test_a_port_held_by_its_own_active_unit_is_fine(deployment):
    facts = facts_of("openstack1")
    deployed = with_facts(
        facts,
        listeners=(*(facts.listeners or ()), Listener(3306, "10.0.0.11", "mariadbd (pid 9)")),
        units={**facts.units, "mariadb": "active", "glance-api": "active"})
    got = by_check(ports(context(deployment, "openstack1", deployed)))
    assert got["port 3306"].status is Status.PASS and "held by mariadb" in got["port 3306"].found
    assert got["port 9292"].status is Status.PASS  # its unit is active: a deployed node


def test_the_same_port_with_its_unit_stopped_is_a_problem(deployment):
    facts = facts_of("openstack1")
    stray = with_facts(facts, listeners=(Listener(3306, "0.0.0.0", ""),))
    got = by_check(ports(context(deployment, "openstack1", stray)))
    assert got["port 3306"].status is Status.FAIL
    assert "an unnamed process" in got["port 3306"].found


def test_no_ss_is_one_problem(deployment):
    facts = with_facts(facts_of("openstack1"), listeners=None)
    [f] = ports(context(deployment, "openstack1", facts))
    assert f.status is Status.FAIL and "iproute2" in f.fix


def test_nodes_without_ports_have_no_rows(deployment):
    assert ports(context(deployment, "openstack2")) == []

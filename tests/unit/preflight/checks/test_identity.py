from installer.preflight.checks.identity import (
    address,
    hostname,
    public_address,
    unique_machines,
)
from installer.preflight.facts import NodeProbe
from installer.preflight.findings import Status

from ..conftest import context, facts_of, make_deployment, with_facts


def test_lab_node_hostname_and_address_pass(tmp_path):
    dep = make_deployment(tmp_path, network={"management_cidr": "10.233.0.0/24"},
                          nodes=[{"name": "openstack1", "address": "10.233.0.11",
                                  "roles": ["controller", "network", "compute",
                                            "storage"]}])
    ctx = context(dep, "openstack1")
    assert hostname(ctx)[0].status is Status.PASS
    assert address(ctx)[0].status is Status.PASS


def test_another_hostname_is_a_warning_because_bootstrap_sets_it(deployment):
    facts = with_facts(facts_of("openstack1"), hostname="debian")
    [f] = hostname(context(deployment, "openstack1", facts))
    assert f.status is Status.WARN and "bootstrap phase sets the hostname" in f.fix


def test_address_the_node_does_not_have_is_a_problem(deployment):
    [f] = address(context(deployment, "openstack1"))  # sample says 10.0.0.11
    assert f.status is Status.FAIL
    assert "10.233.0.11" in f.found and "127.0.0.1" not in f.found and "fe80" not in f.found


def test_the_public_address_must_be_the_controllers(tmp_path):
    dep = make_deployment(tmp_path, tls={"public_address": "192.0.2.10"})
    facts = facts_of("openstack1")
    [f] = public_address(context(dep, "openstack1", facts))
    assert f.status is Status.FAIL and "192.0.2.10 is not an address of openstack1" in f.found
    assert "tls.public_address" in f.fix
    owned = with_facts(facts, addresses=(*facts.addresses, "192.0.2.10"))
    assert public_address(context(dep, "openstack1", owned))[0].status is Status.PASS
    assert public_address(context(dep, "openstack2")) == []  # not the controller


def test_no_public_address_check_without_one(deployment):
    assert public_address(context(deployment, "openstack1")) == []


def test_two_nodes_that_are_one_machine():
    one = facts_of("openstack1")
    probes = [NodeProbe("a", host_key="ssh-ed25519 K1", facts=one),
              NodeProbe("b", host_key="ssh-ed25519 K1", facts=one),
              NodeProbe("c", host_key="ssh-ed25519 K3", facts=facts_of("openstack2")),
              NodeProbe("d", login_error="refused")]
    got = {f.node: f for f in unique_machines(probes)}
    assert set(got) == {"a", "b", "c"}
    assert got["a"].status is Status.FAIL and "same machine-id as b" in got["a"].found
    assert "same SSH host key as b" in got["a"].found
    assert got["b"].status is Status.FAIL and "as a (" in got["b"].found
    assert got["c"].status is Status.PASS

from installer.preflight.checks.resources import cpus, disk, memory
from installer.preflight.facts import DiskFree
from installer.preflight.findings import Status

from ..conftest import context, facts_of, with_facts

GIB = 1024 * 1024


def test_lab_node_passes_its_minimums(deployment):
    ctx = context(deployment, "openstack1")
    assert [f.status for f in cpus(ctx) + memory(ctx) + disk(ctx)] == [Status.PASS] * 4


def test_too_small_controller(deployment):
    facts = with_facts(facts_of("openstack1"), cpus=1, memory_kib=2 * GIB,
                       disks=(DiskFree("/", 3 * GIB, "/"), DiskFree("/var", 30 * GIB, "/var")))
    ctx = context(deployment, "openstack1", facts)
    [c], [m] = cpus(ctx), memory(ctx)
    assert c.status is Status.FAIL and c.found == "1 CPUs" and "at least 2" in c.expected
    assert m.status is Status.FAIL and m.found == "2.0 GiB" and "4 GiB" in m.expected
    root, var = disk(ctx)
    assert (root.check, root.status) == ("disk /", Status.FAIL)
    assert "3.0 GiB free on /" in root.found
    assert (var.check, var.status) == ("disk /var", Status.PASS)


def test_unknown_values_are_problems_not_crashes(deployment):
    facts = with_facts(facts_of("openstack2"), cpus=None, memory_kib=None, disks=())
    ctx = context(deployment, "openstack2", facts)
    assert {f.status for f in cpus(ctx) + memory(ctx) + disk(ctx)} == {Status.FAIL}

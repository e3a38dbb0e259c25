import dataclasses

import pytest

from installer import catalogue
from installer.catalogue import CatalogueError
from installer.preflight.minimums import EVERY_ROLE, MINIMUMS, Minimum, minimum_for


def test_one_role_is_its_row():
    assert minimum_for(["controller"]) == MINIMUMS["controller"]


def test_several_roles_take_the_most_cpus_and_the_sum_of_memory_and_disk():
    got = minimum_for(["controller", "compute"])
    assert got == Minimum(cpus=2, memory_gib=6, disk_gib=20)


def test_measured_peaks_fit_under_the_minimums():
    peaks = {"controller": 3.2, "network": 0.96, "compute": 0.67, "storage": 0.27}
    for role, peak in peaks.items():
        assert MINIMUMS[role].memory_gib > peak


def test_the_readme_states_the_same_table():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    for role, m in MINIMUMS.items():
        assert f"| {role} | {m.cpus} | {m.memory_gib:g} GiB | {m.disk_gib:g} GiB |" in readme


EVERY = ["controller", "network", "compute", "storage"]


def test_a_node_with_every_role_needs_the_catalogues_every_role_minimum():
    assert minimum_for(EVERY) == EVERY_ROLE == Minimum(cpus=2, memory_gib=8, disk_gib=35)
    assert minimum_for(reversed(EVERY)) == EVERY_ROLE
    assert minimum_for([*EVERY, "controller"]) == EVERY_ROLE


def test_the_minimums_come_from_the_catalogue():
    cat = catalogue.load()
    assert dict(cat.minimums) == MINIMUMS and cat.every_role == EVERY_ROLE


def test_every_role_needs_at_least_what_each_role_needs_alone():
    for m in MINIMUMS.values():
        assert EVERY_ROLE.cpus >= m.cpus and EVERY_ROLE.memory_gib >= m.memory_gib
        assert EVERY_ROLE.disk_gib >= m.disk_gib


def test_the_catalogue_refuses_an_every_role_minimum_below_one_role():
    cat = catalogue.load()
    small = dataclasses.replace(cat, every_role=Minimum(cpus=1, memory_gib=8, disk_gib=35))
    with pytest.raises(CatalogueError, match=r"minimums\.every_role"):
        catalogue._check(small)


def test_a_preflight_of_an_all_in_one_node_checks_the_every_role_minimum(tmp_path):
    from installer.preflight.checks.resources import memory

    from .conftest import context, facts_of, make_deployment, with_facts

    dep = make_deployment(tmp_path, nodes=[{"name": "openstack1", "address": "10.0.0.11",
                                            "roles": EVERY}])
    seven = with_facts(facts_of("openstack1"), memory_kib=7 * 1024 * 1024)
    finding = memory(context(dep, "openstack1", seven))[0]
    assert finding.status == "fail" and "at least 8 GiB" in finding.expected
    nine = with_facts(facts_of("openstack1"), memory_kib=9 * 1024 * 1024)
    assert memory(context(dep, "openstack1", nine))[0].status == "pass"


def test_the_readme_states_the_every_role_minimum():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    m = EVERY_ROLE
    assert (f"| every role (all-in-one) | {m.cpus} | {m.memory_gib:g} GiB | "
            f"{m.disk_gib:g} GiB |") in readme

"""The node checks of roles/base, on /etc/hosts contents captured from a lab node."""

from __future__ import annotations

from pathlib import Path

from installer.verify.context import CheckContext
from installer.verify.inventory import read_inventory
from installer.verify.nodetests import test_base as base
from tests.unit.verify.fakes import FakeHost, outcome

MANAGED = ("# BEGIN stackinstall nodes\n10.0.0.11 openstack1\n10.0.0.12 openstack2\n"
           "10.0.0.13 openstack3\n10.0.0.14 openstack4\n# END stackinstall nodes\n")
#: what a lab node had before the base role removed its own lines (seen on lab `lab`)
LAB_LINES = ("# Written by stackinstall lab.\n127.0.0.1\tlocalhost\n10.0.0.1\tsi-lab-host\n"
             "10.0.0.11\topenstack1\n10.0.0.12\topenstack2\n")


def _host(hosts: str) -> FakeHost:
    answers = {"cat /etc/hosts": (0, hosts, "")}
    for i in range(1, 5):
        answers[f"getent ahostsv4 openstack{i}"] = (0, f"10.0.0.1{i} STREAM openstack{i}\n", "")
    return FakeHost(answers)


def test_a_node_listed_twice_in_etc_hosts_is_named(deploy_dir: Path) -> None:
    inventory = read_inventory(deploy_dir)
    ctx = CheckContext(node=inventory.node("openstack1"), inventory=inventory)
    assert outcome(base.test_etc_hosts, _host(MANAGED), ctx).ok
    result = outcome(base.test_etc_hosts, _host(LAB_LINES + MANAGED), ctx)
    assert not result.ok
    assert result.message.startswith(
        "openstack1 is listed 2 times (10.0.0.11 openstack1; 10.0.0.11 openstack1), expected "
        "once, in the block the base role manages; openstack2 is listed 2 times")


def test_the_base_role_removes_the_lab_lines_and_keeps_its_block() -> None:
    """The role's own regexp (Ansible's replace module applies it with Python's re, MULTILINE)."""
    import re

    import jinja2
    import yaml

    tasks = yaml.safe_load((Path(__file__).parents[3] / "roles/base/tasks/configure.yml")
                           .read_text())
    task = next(t for t in tasks if t["name"].startswith("Remove the nodes' names"))
    env = jinja2.Environment()
    env.filters["regex_escape"] = re.escape
    text = LAB_LINES + MANAGED + "10.9.9.9 printer openstack12\n"
    for i in range(1, 5):
        item = {"name": f"openstack{i}", "address": f"10.0.0.1{i}"}
        pattern = env.from_string(task["ansible.builtin.replace"]["regexp"]).render(item=item)
        text = re.sub(pattern, "", text, flags=re.MULTILINE)
    assert text == ("# Written by stackinstall lab.\n127.0.0.1\tlocalhost\n10.0.0.1\tsi-lab-host\n"
                    + MANAGED + "10.9.9.9 printer openstack12\n")

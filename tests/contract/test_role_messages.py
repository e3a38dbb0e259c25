"""The messages a role fails with, rendered by ansible-core's own Templar from the role's
task files: each names what went wrong and where to look."""

from pathlib import Path
from typing import Any

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLES = Path(__file__).resolve().parents[2] / "roles"

LIST_HOSTS = """\
--- mapped:
+-----------+--------------------------------------+------------+
| Cell Name | Cell UUID                            | Hostname   |
+-----------+--------------------------------------+------------+
|   cell1   | 6c1f6c3e-1b47-4f0b-9a53-3c1d0bd0c0de | openstack3 |
+-----------+--------------------------------------+------------+
"""


def _task(tasks: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for task in tasks:
        if task.get("name") == name:
            return task
        for key in ("block", "rescue"):
            found = _task(task.get(key) or [], name) if key in task else None
            if found:
                return found
    return {}


def _render(template: str, variables: dict[str, Any]) -> Any:
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(template))


def _holds(conditional: str, variables: dict[str, Any]) -> bool:
    engine = Templar(loader=DataLoader(), variables=variables)
    return engine.evaluate_conditional(trust_as_template(conditional))


def _discover() -> tuple[str, str]:
    tasks = yaml.safe_load((ROLES / "nova" / "tasks" / "main.yml").read_text())
    until = _task(tasks, "Discover and map the new compute hosts")["until"]
    rescue = _task(tasks, "Say which compute hosts did not register")
    message = rescue["ansible.builtin.fail"]["msg"]
    return until, message


def test_the_compute_host_that_never_registered_is_named_with_where_to_look():
    until, message = _discover()
    variables = {"__nova_computes": ["openstack3", "openstack5"], "nova_discover_timeout": 180,
                 "__nova_discover": {"rc": 0, "stdout": "Found 2 cell mappings.\n" + LIST_HOSTS,
                                     "stderr": ""}}
    # the retries would not have stopped on this output, so the rescue is what the operator reads
    assert _holds(until, variables) is False
    text = " ".join(_render(message, variables).split())
    assert "nova-compute on openstack5 did not register" in text
    assert "openstack3" not in text
    assert "within 180 s" in text and "journalctl -u nova-compute" in text


def test_every_compute_host_mapped_ends_the_retries():
    until, _ = _discover()
    variables = {"__nova_computes": ["openstack3"],
                 "__nova_discover": {"rc": 0, "stdout": LIST_HOSTS}}
    assert _holds(until, variables) is True


def test_a_failing_nova_manage_is_quoted():
    _, message = _discover()
    variables = {"__nova_computes": ["openstack3"], "nova_discover_timeout": 180,
                 "__nova_discover": {"rc": 1, "stdout": "",
                                     "stderr": "Could not connect to the nova_api database\n"}}
    text = " ".join(_render(message, variables).split())
    assert text == ("nova-manage cell_v2 discover_hosts failed (rc 1): "
                    "Could not connect to the nova_api database")


LOOPED_CHECKS = {"repos": 4, "base": 3, "locale": 3, "neutron": 5, "cinder": 2, "nova": 2}


def _looped_check(role: str) -> dict[str, Any]:
    tasks = yaml.safe_load((ROLES / role / "tasks" / "checks.yml").read_text())
    (task,) = [t for t in tasks if t.get("loop") and "ansible.builtin.assert" in t]
    return task


def test_each_looped_check_keeps_a_label_conditions_and_a_message_per_item():
    for role, count in LOOPED_CHECKS.items():
        task = _looped_check(role)
        assert task["ansible.builtin.assert"] == {
            "that": "{{ item.that }}", "fail_msg": "{{ item.msg }}", "quiet": True}, role
        assert task["loop_control"] == {"label": "{{ item.label }}"}, role
        assert "no_log" not in task, f"{role}: a hidden check loses every item's message"
        assert len(task["loop"]) == count, role
        for item in task["loop"]:
            assert set(item) == {"label", "that", "msg"}, (role, item)
            assert item["that"] and all(isinstance(c, str) and "{{" not in c
                                        for c in item["that"]), (role, item)
            assert "answer file" in item["msg"], (role, item["label"])


def test_missing_distro_values_are_not_called_an_unsupported_release():
    """The repos role run without its distro values (a skipped load) names that, and the
    release check does not blame the answer file's release for it."""
    variables = {"inventory_hostname": "openstack4", "repos_release": "epoxy",
                 "ansible_facts": {"os_family": "Debian", "distribution": "Debian",
                                   "distribution_version": "13.8"}}
    loaded, release = _looped_check("repos")["loop"][1:3]
    assert not all(_holds(c, variables) for c in loaded["that"])
    assert "distro values (roles/repos/vars/) are not loaded on openstack4" in " ".join(
        _render(loaded["msg"], variables).split())
    assert _holds(loaded["that"][0], variables | {"ansible_facts": {"os_family": "Suse"}})
    assert _holds(release["that"][0], variables)
    assert not _holds(release["that"][0], variables | {"ansible_facts": {"os_family": "Suse"}})


def _failing(role: str, variables: dict[str, Any]) -> list[str]:
    """The messages of the items of ``role``'s looped check that fail, as Ansible renders
    them (the conditions as conditionals, the message as a template)."""
    return [" ".join(_render(item["msg"], variables).split())
            for item in _looped_check(role)["loop"]
            if not all(_holds(c, variables) for c in item["that"])]


BASE = {"base_hostname": "openstack1", "base_upgrade": "first",
        "base_hosts_entries": [{"name": "openstack1", "address": "10.0.0.11"}]}


def test_base_checks_pass_a_valid_node_and_name_a_bad_hostname():
    assert _failing("base", BASE) == []
    assert _failing("base", BASE | {"base_hostname": "open_stack"}) == [
        "'open_stack' is not a valid short host name (letters, digits, '-', at most 63 "
        "characters). Fix nodes[].name in the answer file."]
    assert [m.split(";")[0] for m in _failing("base", BASE | {"base_upgrade": "weekly"})] == [
        "base_upgrade is 'weekly'"]


def test_neutron_node_checks_apply_to_l2_nodes_only():
    variables = {"__neutron_is_l2": False, "neutron_provider_interface": "eth9",
                 "neutron_local_ip": "", "inventory_hostname": "openstack1",
                 "ansible_facts": {"interfaces": ["lo", "eth0"]}}
    (interface, vxlan) = _looped_check("neutron")["loop"][2:4]
    assert all(_holds(c, variables) for c in interface["that"] + vxlan["that"])
    variables["__neutron_is_l2"] = True
    assert not any(_holds(c, variables) for c in interface["that"] + vxlan["that"])
    assert "has no interface 'eth9' (it has eth0, lo)" in " ".join(
        _render(interface["msg"], variables).split())

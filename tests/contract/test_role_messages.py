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


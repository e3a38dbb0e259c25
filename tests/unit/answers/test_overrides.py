"""Overrides: what validate accepts is what the roles' templates and checks accept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from ansible.plugins.filter.core import combine, comment
from ansible.plugins.test.core import regex

from installer import catalogue
from installer.answers import check, load
from installer.render import group_vars

ROLES = Path(__file__).resolve().parents[3] / "roles"


def _with_overrides(four_node: Path, overrides: str) -> tuple[Any, list[Any]]:
    four_node.write_text(four_node.read_text().replace("overrides: {}", f"overrides: {overrides}"))
    merged, _spath, _values, problems = check(four_node)
    return merged, problems


def _render_ini(content: dict[str, Any], overrides: dict[str, Any]) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROLES / "openstack_service"
                                                            / "templates"),
                             trim_blocks=True)  # as Ansible's template module renders it
    env.filters.update(combine=combine, comment=comment)
    return env.get_template("ini.j2").render(
        ansible_managed="managed",
        openstack_service_config_file={"content": content, "overrides": overrides})


def test_null_and_lists_are_accepted_and_rendered_as_the_ini_template_says(four_node: Path):
    _merged, problems = _with_overrides(
        four_node, "{nova: {nova.conf: {DEFAULT: {debug: null, enabled_apis: [osapi_compute, "
                   "metadata]}, filter_scheduler: {enabled_filters: [ComputeFilter, 3]}}}}")
    assert problems == [], [str(p) for p in problems]
    files = group_vars(load(four_node))["nova_config_overrides"]
    assert files["nova.conf"]["DEFAULT"] == {"debug": None,
                                             "enabled_apis": ["osapi_compute", "metadata"]}
    ini = _render_ini({"DEFAULT": {"debug": True, "state_path": "/var/lib/nova"}},
                      files["nova.conf"])
    assert "debug" not in ini, "a null override drops the key"
    assert "enabled_apis = osapi_compute,metadata" in ini
    assert "enabled_filters = ComputeFilter,3" in ini
    assert "state_path = /var/lib/nova" in ini


@pytest.mark.parametrize(("value", "part"), [
    ("{a: 1}", "comma-separated"),
    ("[a, [b]]", "comma-separated"),
    ("[a, null]", "comma-separated"),
    ("2024-01-01", 'quote it: x: "2024-01-01"'),
])
def test_values_the_ini_template_cannot_write_are_refused(four_node: Path, value: str,
                                                          part: str):
    _merged, problems = _with_overrides(four_node, f"{{nova: {{nova.conf: {{DEFAULT: "
                                                   f"{{x: {value}}}}}}}}}")
    assert any(p.key.startswith("overrides.nova.nova.conf.DEFAULT.x") and
               part in f"{p.message} {p.fix}" for p in problems), [str(p) for p in problems]


def _role_accepts(overrides: Any) -> bool:
    """Evaluate roles/horizon/tasks/checks.yml's assertion on overrides.horizon, as Ansible."""
    tasks = yaml.safe_load((ROLES / "horizon" / "tasks" / "checks.yml").read_text())
    (task,) = [t for t in tasks if "horizon_config_overrides" in str(t)]
    env = jinja2.Environment()
    env.tests["regex"] = regex  # Ansible's own test
    return all(env.compile_expression(expr)(horizon_config_overrides=overrides,
                                            deployment_catalogue=catalogue.load().rendered())
               for expr in task["ansible.builtin.assert"]["that"])


HORIZON_SHAPES = [
    ("{TIME_ZONE: Europe/Paris}", True),
    ("{SESSION_TIMEOUT: 3600, DEBUG: false, OPENSTACK_HOST: null}", True),
    ("{ALLOWED_HOSTS: ['*'], CACHES: {default: {LOCATION: [a, b]}}}", True),
    ("{local_settings.py: {DEFAULT: {TIME_ZONE: UTC}}}", False),
    ("{time_zone: UTC}", False),
    ("{9LIVES: 1}", False),
    ('{"DEBUG\\n": true}', False),
]


@pytest.mark.parametrize(("shape", "accepted"), HORIZON_SHAPES, ids=[s for s, _ in HORIZON_SHAPES])
def test_horizon_overrides_validate_as_the_role_checks_them(four_node: Path, shape: str,
                                                            accepted: bool):
    assert _role_accepts(yaml.safe_load(shape)) is accepted
    _merged, problems = _with_overrides(four_node, f"{{horizon: {shape}}}")
    assert (problems == []) is accepted, [str(p) for p in problems]
    if accepted:
        rendered = group_vars(load(four_node))["horizon_config_overrides"]
        assert _role_accepts(rendered)
    else:
        (p,) = problems
        assert p.key.startswith("overrides.horizon.") and "Django setting" in p.message
        assert "TIME_ZONE" in p.fix


def test_answer_reference_and_role_describe_the_same_horizon_shape():
    reference = (Path(__file__).resolve().parents[3] / "docs" / "answers.md").read_text()
    (row,) = [line for line in reference.splitlines() if line.startswith("| `overrides` |")]
    assert "horizon: Django setting (upper case) -> value" in row
    defaults = (ROLES / "horizon" / "defaults" / "main.yml").read_text()
    assert "Extra Django settings as {NAME: value}" in defaults

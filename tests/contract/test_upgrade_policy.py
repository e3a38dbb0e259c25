"""Contract: repos.upgrade reaches the base role as base_upgrade, and the role's decision
(roles/base/vars/main.yml) upgrades only when the policy says so."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml

from installer.answers import load
from installer.render import group_vars

ROLE_VARS = Path(__file__).resolve().parents[2] / "roles" / "base" / "vars" / "main.yml"


def _decide(policy: str, marker: bool, client: bool) -> bool:
    """Evaluate the role's own expressions as Ansible would (plain Jinja2, bool filter)."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["bool"] = lambda v: v if isinstance(v, bool) else str(v).strip() == "True"
    variables = yaml.safe_load(ROLE_VARS.read_text())
    context = {"base_upgrade": policy,
               "__base_first_install_stat": {"stat": {"exists": marker}},
               "__base_client_stat": {"stat": {"exists": client}}}
    context["__base_first_install"] = env.from_string(
        variables["__base_first_install"]).render(context).strip()
    return env.from_string(variables["__base_upgrade_now"]).render(context).strip() == "True"


@pytest.mark.parametrize(("policy", "marker", "client", "upgrade"), [
    ("first", False, False, True),    # a new node: upgraded once
    ("first", True, True, False),     # a re-run: never again
    ("first", False, True, False),    # installed before the record existed: not upgraded
    ("always", True, True, True),     # deploy --upgrade or repos.upgrade: always
    ("never", False, False, False),
])
def test_the_role_upgrades_only_as_the_policy_says(policy: str, marker: bool, client: bool,
                                                   upgrade: bool) -> None:
    assert _decide(policy, marker, client) is upgrade


@pytest.mark.parametrize("policy", ["first", "always", "never"])
def test_repos_upgrade_is_rendered_as_base_upgrade(four_node: Path, policy: str) -> None:
    four_node.write_text(four_node.read_text().replace("  upgrade: first",
                                                      f"  upgrade: {policy}"))
    assert group_vars(load(four_node))["base_upgrade"] == policy


def test_the_role_default_is_the_answer_file_default() -> None:
    defaults = yaml.safe_load((ROLE_VARS.parents[1] / "defaults" / "main.yml").read_text())
    from installer.answers.schema import SCHEMA

    assert defaults["base_upgrade"] == SCHEMA["repos"].keys["upgrade"].default

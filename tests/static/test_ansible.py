"""Static checks of roles/ and playbooks/: lint, syntax and the house rules for roles.

They run the real tools (yamllint, ansible-lint with the production profile,
ansible-playbook --syntax-check) and fail when a tool fails or is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from installer.deploy.phases import PHASES as DEPLOY_PHASES

REPO = Path(__file__).resolve().parents[2]
ROLES = REPO / "roles"
PLAYBOOKS = REPO / "playbooks"
SAMPLE_INVENTORIES = sorted((REPO / "inventories").glob("*/hosts.yml"))
PHASES = tuple(f"{phase}.yml" for phase in DEPLOY_PHASES)
#: Every role is checked here for the house rules.
ROLE_DIRS = sorted(p.parent.parent for p in ROLES.glob("*/tasks/main.yml"))


def _tool(name: str) -> str:
    """The tool next to this interpreter (the project venv), else on PATH; fail if absent."""
    local = Path(sys.executable).parent / name
    if local.is_file():
        return str(local)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]' (it provides {name})")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_ROLES_PATH"] = str(ROLES)
    env["ANSIBLE_NOCOLOR"] = "1"
    env["NO_COLOR"] = "1"
    return subprocess.run(
        list(args), cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_yamllint_is_clean() -> None:
    result = _run(_tool("yamllint"), "--strict", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_lint_production_profile_is_clean() -> None:
    result = _run(_tool("ansible-lint"), "--profile", "production", "roles", "playbooks")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]


def test_there_are_sample_inventories() -> None:
    assert SAMPLE_INVENTORIES, "inventories/*/hosts.yml: the syntax check needs a sample inventory"


@pytest.mark.parametrize("inventory", SAMPLE_INVENTORIES, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("playbook", ("site.yml", *PHASES))
def test_playbook_syntax(inventory: Path, playbook: str) -> None:
    result = _run(
        _tool("ansible-playbook"), "--syntax-check", "-i", str(inventory), str(PLAYBOOKS / playbook)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_site_imports_the_phases_in_order() -> None:
    site = yaml.safe_load((PLAYBOOKS / "site.yml").read_text())
    assert [entry["ansible.builtin.import_playbook"] for entry in site] == list(PHASES)


@pytest.mark.parametrize("phase", PHASES)
def test_each_phase_gathers_its_own_facts(phase: str) -> None:
    plays = yaml.safe_load((PLAYBOOKS / phase).read_text())
    assert plays[0] == {"name": "Facts", "ansible.builtin.import_playbook": "facts.yml"}
    for play in plays[1:]:
        assert play.get("gather_facts") is False, f"{phase}: {play['name']} gathers facts again"
        assert play.get("tags"), f"{phase}: {play['name']} has no phase tag"


def _defaults(role: Path) -> tuple[dict[str, object], list[str]]:
    path = role / "defaults" / "main.yml"
    text = path.read_text()
    return (yaml.safe_load(text) or {}), text.splitlines()


@pytest.mark.parametrize("role", ROLE_DIRS, ids=lambda p: p.name)
def test_defaults_are_prefixed_and_documented(role: Path) -> None:
    values, lines = _defaults(role)
    for key in values:
        assert key.startswith(f"{role.name}_"), f"{role.name}: {key} lacks the {role.name}_ prefix"
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
        assert index > 0 and lines[index - 1].startswith("#"), f"{role.name}: {key} has no comment"


@pytest.mark.parametrize("role", ROLE_DIRS, ids=lambda p: p.name)
def test_templates_start_with_ansible_managed(role: Path) -> None:
    for template in sorted((role / "templates").glob("**/*.j2")):
        first = template.read_text().splitlines()[0]
        assert re.match(r"\{\{ ansible_managed \| comment(\(.*\))? \}\}$", first), template


@pytest.mark.parametrize("role", ROLE_DIRS, ids=lambda p: p.name)
def test_main_only_includes(role: Path) -> None:
    tasks = yaml.safe_load((role / "tasks" / "main.yml").read_text())
    allowed = {
        "ansible.builtin.include_tasks",
        "ansible.builtin.import_tasks",
        "ansible.builtin.include_vars",
        "ansible.builtin.include_role",
        "ansible.builtin.import_role",
    }
    for task in tasks:
        modules = set(task) - {"name", "vars", "when", "tags"}
        assert modules <= allowed, f"{role.name}: tasks/main.yml runs {modules - allowed}"

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

from installer.deploy.phases import PHASE_FACTS_TAG, ROLE_DISTRO_VARS_TAG
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
    # the tag lets a run of several phases gather them once (installer/deploy/phases.py)
    assert plays[0] == {"name": "Facts", "ansible.builtin.import_playbook": "facts.yml",
                        "tags": [PHASE_FACTS_TAG]}
    for play in plays[1:]:
        assert play.get("gather_facts") is False, f"{phase}: {play['name']} gathers facts again"
        assert play.get("tags"), f"{phase}: {play['name']} has no phase tag"


def _distro_vars_imports() -> dict[str, list[dict[str, object]]]:
    """Every task that imports distro_vars, by the role whose task file holds it."""
    found: dict[str, list[dict[str, object]]] = {}
    for path in sorted(ROLES.glob("*/tasks/*.yml")):
        role = path.parts[-3]
        for task in _tasks(yaml.safe_load(path.read_text()) or []):
            imported = task.get("ansible.builtin.import_role") or {}
            if role != "distro_vars" and imported.get("name") == "distro_vars":
                found.setdefault(role, []).append(task)
    return found


def test_the_facts_play_loads_the_distro_values_of_every_role_that_has_them() -> None:
    """distro_vars_roles (what the facts play loads at once) is exactly the roles that load
    their own, and each own load carries the tag a deploy skips."""
    imports = _distro_vars_imports()
    listed = yaml.safe_load((ROLES / "distro_vars" / "defaults" / "main.yml").read_text())
    assert sorted(listed["distro_vars_roles"]) == sorted(imports)
    untagged = [role for role, tasks in imports.items() for task in tasks
                if ROLE_DISTRO_VARS_TAG not in (task.get("tags") or [])]
    assert untagged == [], f"distro_vars imported without the tag {ROLE_DISTRO_VARS_TAG}"
    facts = yaml.safe_load((PLAYBOOKS / "facts.yml").read_text())[0]["tasks"]
    assert {"name": "distro_vars", "tasks_from": "all"} in [
        t.get("ansible.builtin.import_role") for t in facts]


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


#: A task file holds one concern (checks, install, configure, service, a component, a step
#: that other roles reuse). One with a single task is a fragment of the file that includes it,
#: unless it is an entry point: included from another role (tasks_from), from more than one
#: place, in a loop, or the checks of its role.
SINGLE_TASK_ENTRY = "checks.yml"


def _tasks(items: object) -> list[dict[str, object]]:
    """Every task of a task list, blocks opened (the block itself is not a task)."""
    found: list[dict[str, object]] = []
    for task in items if isinstance(items, list) else []:
        if "block" in task:
            for part in ("block", "rescue", "always"):
                found += _tasks(task.get(part))
        else:
            found.append(task)
    return found


def _plays_tasks(path: Path) -> list[dict[str, object]]:
    data = yaml.safe_load(path.read_text()) or []
    if path.parent.name == "tasks":
        return _tasks(data)
    return [t for play in data for key in ("pre_tasks", "tasks", "post_tasks", "handlers")
            for t in _tasks(play.get(key))]


def _includes() -> list[tuple[str, str, bool]]:
    """(role, task file pattern, included in a loop) for every include in roles/ and playbooks/."""
    found = []
    sources = [*ROLES.glob("*/tasks/*.yml"), *ROLES.glob("*/handlers/*.yml"),
               *PLAYBOOKS.glob("*.yml")]
    for path in sources:
        for task in _plays_tasks(path):
            looped = any(key == "loop" or key.startswith("with_") for key in task)
            for key, value in task.items():
                module = str(key).rsplit(".", 1)[-1]
                if module in ("include_tasks", "import_tasks") and path.parent.name == "tasks":
                    file = value if isinstance(value, str) else value.get("file", "")
                    found.append((path.parent.parent.name, file, looped))
                elif module in ("include_role", "import_role") and value.get("tasks_from"):
                    name = value["tasks_from"]
                    found.append((value["name"], name if name.endswith(".yml") else f"{name}.yml",
                                  True))
    return found


def _matches(pattern: str, name: str) -> bool:
    regex = re.sub(r"\\\{\\\{.*?\\\}\\\}", ".*", re.escape(pattern))
    return re.fullmatch(regex, name) is not None


@pytest.mark.parametrize("role", ROLE_DIRS, ids=lambda p: p.name)
def test_task_files_are_concerns(role: Path) -> None:
    includes = _includes()
    main = (role / "tasks" / "main.yml").read_text()
    if (role / "tasks" / SINGLE_TASK_ENTRY).exists():
        assert re.search(rf"(include|import)_tasks: {re.escape(SINGLE_TASK_ENTRY)}", main), (
            f"{role.name}: main.yml skips the checks")
    for path in sorted((role / "tasks").glob("*.yml")):
        if path.name == "main.yml":
            continue
        users = [(looped, r) for r, pattern, looped in includes
                 if r == role.name and _matches(pattern, path.name)]
        assert users, f"{role.name}: tasks/{path.name} is included from nowhere"
        entry = (path.name == SINGLE_TASK_ENTRY or len(users) > 1
                 or any(looped for looped, _ in users))
        tasks = _tasks(yaml.safe_load(path.read_text()))
        assert entry or len(tasks) > 1, (
            f"{role.name}: tasks/{path.name} holds one task; "
            "merge it into the file that includes it")


#: The comment every command/shell task carries: why no maintained module does its job.
NO_MODULE = re.compile(r"#\s*no module:\s*\S")
COMMAND = re.compile(r"^(?P<indent>\s*)(?P<dash>- )?(ansible\.(builtin|legacy)\.)?(command|shell):")


def command_tasks_without_reason(text: str) -> list[str]:
    """The names (else line numbers) of command/shell tasks with no `# no module: <reason>`."""
    lines = text.splitlines()
    missing = []
    for number, line in enumerate(lines):
        match = COMMAND.match(line)
        if not match:
            continue
        column = len(match["indent"]) + (2 if match["dash"] else 0) - 2
        start = number
        while start > 0 and not re.match(rf"^ {{{column}}}- ", lines[start]):
            start -= 1
        first = start
        while first > 0 and lines[first - 1].strip().startswith("#"):
            first -= 1
        end = number + 1
        while end < len(lines) and (not lines[end].strip()
                                    or len(lines[end]) - len(lines[end].lstrip()) > column):
            end += 1
        if not any(NO_MODULE.search(part) for part in lines[first:end]):
            name = re.match(r"^\s*- name:\s*(.*)$", lines[start])
            missing.append(name[1] if name else f"line {number + 1}")
    return missing


def test_the_no_module_check_finds_a_bare_command() -> None:
    bare = "- name: Ask\n  ansible.builtin.command:\n    argv: [true]\n  changed_when: false\n"
    said = ("- name: Ask\n  # no module: true has none\n  ansible.builtin.command:\n"
            "    argv: [true]\n")
    nested = "- name: B\n  block:\n    - name: Ask\n      ansible.builtin.shell: 'true'\n"
    assert command_tasks_without_reason(bare) == ["Ask"]
    assert command_tasks_without_reason(said) == []
    assert command_tasks_without_reason(nested + "- name: Next\n  # no module: x\n") == ["Ask"]


@pytest.mark.parametrize(
    "path", sorted([*ROLES.glob("*/tasks/*.yml"), *ROLES.glob("*/handlers/*.yml"),
                    *PLAYBOOKS.glob("*.yml")]),
    ids=lambda p: str(p.relative_to(REPO)))
def test_command_tasks_say_why_no_module(path: Path) -> None:
    missing = command_tasks_without_reason(path.read_text())
    assert not missing, (
        f"{path.relative_to(REPO)}: use a maintained module, or say why none fits with a "
        f"`# no module: <reason>` comment on: {', '.join(missing)}")


@pytest.mark.parametrize("scenario", sorted(ROLES.glob("*/molecule/*/")),
                         ids=lambda p: str(p.relative_to(ROLES)))
def test_molecule_scenarios_get_the_catalogue(scenario: Path) -> None:
    """The roles read the catalogue (`deployment_catalogue`) render writes into group_vars:
    a scenario either links a rendered inventory's group_vars or loads the catalogue that
    tests/e2e/test_molecule.py renders (STACKINSTALL_MOLECULE_CATALOGUE) before its roles."""
    molecule = yaml.safe_load((scenario / "molecule.yml").read_text())
    links = molecule.get("provisioner", {}).get("inventory", {}).get("links", {})
    if "group_vars" in links:
        return
    plays = yaml.safe_load((scenario / "converge.yml").read_text())
    for play in plays:
        if not play.get("roles"):
            continue
        loads = [task for task in play.get("pre_tasks", [])
                 if "STACKINSTALL_MOLECULE_CATALOGUE"
                 in str(task.get("ansible.builtin.include_vars", ""))]
        assert loads, (f"{scenario.relative_to(REPO)}: play {play.get('name')!r} runs roles "
                       "without the catalogue; load STACKINSTALL_MOLECULE_CATALOGUE in pre_tasks")


_COMMAND_KEYS = {"command", "shell", "ansible.builtin.command", "ansible.builtin.shell"}


#: The roles' HTTP calls only read (a GET, or a token to test a password).
_READ_KEYS = {"uri", "ansible.builtin.uri"}


#: Commands that say ``changed_when: false`` but are no reads, so check mode must skip them
#: (deploy --plan reports them as unknown): task name -> why.
NOT_READS = {
    # `ceph osd new UUID` gives the same id for a known uuid, but registers a new one: run in
    # check mode it would add an OSD id to the cluster
    "Register each OSD (the same uuid always gets the same id)": "registers a new OSD's id",
}


def read_only_commands_skipped_in_check_mode(tasks: list[dict[str, object]]) -> list[str]:
    """Read-only commands (``changed_when: false``) and HTTP reads a check run would skip."""
    return [str(t.get("name")) for t in tasks
            if ((_COMMAND_KEYS & set(t) and t.get("changed_when") is False) or _READ_KEYS & set(t))
            and t.get("check_mode") is not False and t.get("name") not in NOT_READS]


def test_the_check_mode_rule_finds_a_skipped_query() -> None:
    query = {"name": "Ask", "ansible.builtin.command": {"argv": ["x"]}, "changed_when": False}
    assert read_only_commands_skipped_in_check_mode([query]) == ["Ask"]
    assert read_only_commands_skipped_in_check_mode([{**query, "check_mode": False}]) == []
    assert read_only_commands_skipped_in_check_mode([{**query, "changed_when": True}]) == []
    assert read_only_commands_skipped_in_check_mode([{"name": "Get", "uri": {}}]) == ["Get"]


@pytest.mark.parametrize("path", sorted(ROLES.glob("*/tasks/*.yml")),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_read_only_commands_run_in_check_mode(path: Path) -> None:
    skipped = read_only_commands_skipped_in_check_mode(_plays_tasks(path))
    assert not skipped, (
        f"{path.relative_to(REPO)}: a read-only command must answer in check mode "
        f"(deploy --plan) with `check_mode: false`: {', '.join(skipped)}")


#: Ansible's own variables a role may name (special and connection variables); a fact is
#: read only as ansible_facts[...], since deploy runs with ANSIBLE_INJECT_FACT_VARS off.
ANSIBLE_SPECIAL_VARIABLES = {
    "ansible_facts", "ansible_managed", "ansible_check_mode", "ansible_diff_mode",
    "ansible_play_hosts", "ansible_play_hosts_all", "ansible_play_batch", "ansible_play_name",
    "ansible_parent_role_paths", "ansible_parent_role_names", "ansible_role_name",
    "ansible_loop", "ansible_loop_var", "ansible_index_var", "ansible_failed_result",
    "ansible_failed_task", "ansible_playbook_python", "ansible_python_interpreter",
    "ansible_run_tags", "ansible_skip_tags", "ansible_version", "ansible_limit",
    "ansible_connection_options",
}
_ANSIBLE_NAME = re.compile(r"\bansible_[a-z0-9_]+\b")


def _fact_variables_named(text: str) -> set[str]:
    from ansible import constants

    allowed = ANSIBLE_SPECIAL_VARIABLES | {
        name for names in constants.MAGIC_VARIABLE_MAPPING.values() for name in names}
    return set(_ANSIBLE_NAME.findall(text)) - allowed


def test_the_fact_variable_rule_finds_a_top_level_fact() -> None:
    assert _fact_variables_named(
        "when: ansible_distribution == 'Debian' and ansible_facts['os_family'] == 'Debian'"
        " and ansible_host is defined") == {"ansible_distribution"}


def test_roles_read_facts_only_through_ansible_facts() -> None:
    """deploy sets ANSIBLE_INJECT_FACT_VARS=False (installer/deploy/settings.py): a top-level
    fact variable such as ansible_distribution is undefined there."""
    from installer.deploy.settings import ansible_env

    assert ansible_env()["ANSIBLE_INJECT_FACT_VARS"] == "False"
    files = [p for base in (ROLES, PLAYBOOKS, REPO / "templates", REPO / "inventories")
             for p in base.rglob("*") if p.is_file() and p.suffix in {".yml", ".j2", ".yaml"}]
    found = {f"{p.relative_to(REPO)}: {name}" for p in files
             for name in _fact_variables_named(p.read_text(encoding="utf-8"))}
    assert not found, "read facts as ansible_facts['name']:\n" + "\n".join(sorted(found))

"""Contract: every answer-file text that reaches a node is validated, or quoted where it lands.

Answer-file values end up in shell files (/etc/profile.d), command lines (argv of command
tasks, ssh), paths (devices, key files, the secrets file), config files (INI, chrony, apt,
the dashboard's Python settings, /etc/hosts) and, first of all, in the rendered inventory,
whose every value Ansible evaluates as a template on the deploy host. So:

- every leaf key of the schema whose value is text has a check (its type is an enum or one of
  ``checks.STRING_CHECKS``), lists and maps included;
- hostile values (``; touch``, ``$(id)``, a line break, ``../``, ``{{ }}``) are refused for
  every such key, with file, line, key and fix, and the CLI shows them without a traceback;
  only the keys of ``ACCEPTED`` take some of them, each for the reason given there;
- the locale role's profile and the base role's /etc/hosts block, rendered with valid edge
  cases, are read back by bash (and split as /etc/hosts is) into exactly the values given.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from ansible.plugins.filter.core import comment, quote
from click.testing import CliRunner

from installer.answers import check, checks, load
from installer.answers.schema import NODE_KEYS, SCHEMA, Key
from installer.cli import main
from installer.render import group_vars

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "roles"
TYPED = {"int", "bool", "port"}  # YAML types: no text reaches a node

HOSTILE = {
    "semicolon": "; touch /tmp/stackinstall-pwned",
    "substitution": "$(id)",
    "backquote": "`id`",
    "newline": "vim\ntouch /tmp/stackinstall-pwned",
    "parent": "../../etc/shadow",
    "template": "{{ lookup('pipe', 'id') }}",
}
#: The hostile values each key takes, and why its every use is safe with them. A line break
#: and a template are refused everywhere.
ACCEPTED: dict[str, tuple[tuple[str, ...], str]] = {
    "deployment.secrets_file": (
        ("semicolon", "substitution", "backquote"),
        "a file name only Python opens (pathlib); `answers generate` prints it shell-quoted "
        "(shlex.quote); '..' is refused"),
    "ssh.private_key": (
        ("parent",),
        "a file the deploy host reads: ssh gets it as one argv element (-i, IdentityFile)"),
    "locale.prompt": (
        ("semicolon", "parent"),
        "text bash shows, written as one quoted word; what bash would run in a prompt is "
        "refused (test_no_prompt_validate_accepts_runs_a_command)"),
    "locale.aliases.<command>": (
        ("semicolon", "substitution", "backquote", "parent"),
        "an alias is a command the operator means to run; roles/locale writes name=command "
        "as one quoted shell word (test_profile_reads_back_exactly_what_was_given)"),
    "overrides.<ini value>": (
        ("semicolon", "substitution", "backquote", "parent"),
        "an INI value on one line: no shell reads it; a line break (a new option or "
        "section) is refused"),
    "overrides.horizon.<value>": (
        ("semicolon", "substitution", "backquote", "parent"),
        "written by roles/horizon as a Python string literal (to_json)"),
}
#: Leaves whose value is free text: text() alone guards them (see ACCEPTED).
FREE_TEXT = {"locale.aliases.<command>", "overrides.<ini value>", "overrides.horizon.<value>"}


# --- every text key has a check -----------------------------------------------------------


def _leaves() -> Iterator[tuple[str, Key]]:
    for section, spec in SCHEMA.items():
        for name, key in spec.keys.items():
            yield f"{section}.{name}", key
    for name, key in NODE_KEYS.items():
        yield f"nodes[].{name}", key


def _text_types(key: Key) -> list[str]:
    """The text types a key's values are checked as (a list's items, a map's names/values)."""
    if key.type == "list":
        return [key.item]
    if key.type == "map":
        return [key.names, key.item]
    return [] if key.type in TYPED else [key.type]


@pytest.mark.parametrize(("path", "key"), list(_leaves()), ids=[p for p, _ in _leaves()])
def test_every_text_key_has_a_check(path: str, key: Key) -> None:
    for kind in _text_types(key):
        assert kind == "enum" or kind in checks.STRING_CHECKS, (
            f"{path}: its text type {kind!r} has no check in installer/answers/checks.py "
            "STRING_CHECKS (plain 'str' reaches the nodes unchecked)")
        if kind == "enum":
            assert key.choices, f"{path}: an enum without choices"


def test_the_accepted_list_names_real_keys_and_values() -> None:
    paths = {p for p, _ in _leaves()} | FREE_TEXT
    for path, (names, reason) in ACCEPTED.items():
        assert path in paths and set(names) <= set(HOSTILE) and reason


# --- hostile values are refused with file, line, key and fix ------------------------------


def _cases() -> Iterator[tuple[str, str, str]]:
    """(key path as validate names it, where it is set, hostile name) for every text leaf."""
    for path, key in _leaves():
        if not _text_types(key):
            continue
        for hostile in HOSTILE:
            if key.type == "map":
                yield f"{path}.<name>", path, hostile
                yield f"{path}.<command>", path, hostile
            else:
                yield path, path, hostile
    for where in ("<section>", "<option>", "<ini value>"):
        for hostile in HOSTILE:
            yield f"overrides.{where}", "overrides", hostile
    for where in ("<name>", "<value>"):
        for hostile in HOSTILE:
            yield f"overrides.horizon.{where}", "overrides", hostile


def _answer_file(tmp: Path, case: str, hostile: str) -> tuple[Path, str]:
    """The four-node sample with the hostile value at ``case``; returns the key validate
    must name."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "answers" / "four-node.yml").read_text())
    shutil.copy(ROOT / "answers" / "four-node.yml", tmp / "four-node.yml")
    if case.startswith("nodes[]."):
        name = case.removeprefix("nodes[].")
        data["nodes"][0][name] = [hostile] if name == "roles" else hostile
        key = f"nodes[0].{name}" + ("[0]" if name == "roles" else "")
    elif case == "locale.aliases.<name>":
        data["locale"]["aliases"] = {hostile: "vim"}
        key = f"locale.aliases.{hostile}"
    elif case == "locale.aliases.<command>":
        data["locale"]["aliases"] = {"vi": hostile}
        key = "locale.aliases.vi"
    elif case.startswith("overrides.horizon."):
        where = case.removeprefix("overrides.horizon.")
        settings = {hostile: 1} if where == "<name>" else {"TIME_ZONE": hostile}
        data["overrides"] = {"horizon": settings}
        key = f"overrides.horizon.{next(iter(settings))}"
    elif case.startswith("overrides."):
        where = case.removeprefix("overrides.")
        section, option, value = "DEFAULT", "debug", "true"
        section, option, value = {"<section>": (hostile, option, value),
                                  "<option>": (section, hostile, value),
                                  "<ini value>": (section, option, hostile)}[where]
        data["overrides"] = {"nova": {"nova.conf": {section: {option: value}}}}
        key = f"overrides.nova.nova.conf.{section}" + ("" if where == "<section>"
                                                        else f".{option}")
    else:
        section, name = case.split(".")
        listed = SCHEMA[section].keys[name].type == "list"
        data[section][name] = [hostile] if listed else hostile
        key = case + ("[0]" if listed else "")
        if case == "cinder.device":
            data["cinder"]["backend"] = "device"
    path = tmp / "four-node.yml"
    # one line per value: double-quoted scalars with escapes (a line break stays "\n")
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=10_000, default_style='"'))
    return path, key


@pytest.mark.parametrize(("case", "hostile"), [(c, h) for c, _w, h in _cases()],
                         ids=[f"{c}-{h}" for c, _w, h in _cases()])
def test_hostile_values_are_refused_with_file_line_key_and_fix(
        four_node: Path, case: str, hostile: str) -> None:
    path, key = _answer_file(four_node.parent, case, HOSTILE[hostile])
    _merged, _spath, _values, problems = check(path)
    accepted = hostile in ACCEPTED.get(case, ((), ""))[0]
    mine = [p for p in problems if p.key == key]
    if accepted:
        assert mine == [], f"{case} takes {hostile!r} ({ACCEPTED[case][1]}): {mine}"
        return
    assert mine, f"{case} = {HOSTILE[hostile]!r} was not refused: {[str(p) for p in problems]}"
    lines = path.read_text().splitlines()
    for p in mine:
        assert p.file == str(path) and p.fix and p.line is not None
        leaf = re.split(r"[.\[]", key)[-1].rstrip("]")
        written = lines[p.line - 1]
        assert (json.dumps(leaf)[1:-1] in written or leaf.isdigit()
                or json.dumps(HOSTILE[hostile])[1:-1] in written), (p, written)


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_the_cli_shows_hostile_values_without_a_traceback(four_node: Path, hostile: str) -> None:
    path, _key = _answer_file(four_node.parent, "locale.aliases.<name>", HOSTILE[hostile])
    result = CliRunner().invoke(main, ["answers", "validate", str(path)])
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    output = result.output.replace("\n", " ")
    # the console wraps a long path anywhere: compare without whitespace (the path has none)
    assert "Traceback" not in output and f"{path}:" in "".join(output.split())
    assert "locale.aliases" in output and "fix:" in output


def test_no_nodes_is_refused(four_node: Path) -> None:
    text = four_node.read_text()
    start = text.index("\nnodes:")
    end = text.index("\n\n", start + 1)
    four_node.write_text(text[:start] + "\nnodes: []" + text[end:])
    _merged, _spath, _values, problems = check(four_node)
    (p,) = [p for p in problems if p.key == "nodes"]
    assert "empty" in p.message and "controller" in p.message and "name:" in p.fix
    assert four_node.read_text().splitlines()[p.line - 1] == "nodes: []"


# --- what the roles write is read back as given --------------------------------------------


def _render_role_template(role: str, name: str, **variables: Any) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROLES / role / "templates"),
                             trim_blocks=True)  # as Ansible's template module renders it
    env.filters.update(quote=quote, comment=comment)
    return env.get_template(name).render(ansible_managed="managed", **variables)


EDGE_ALIASES = {"ll": "ls -la --color=auto", "g.st": "git status; echo 'done' > /dev/null",
                "_x-1": 'printf "%s\\n" "$HOME" `true`'}
EDGE_PROMPTS = ["[\\u@\\h \\W]\\$ ", "${debian_chroot:+($debian_chroot)}\\u@\\h:\\w\\$ ",
                "it's \"$ \\A \\\\ $", "$ "]


def _bash(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "--norc", "--noprofile", "-i", "-c", script], cwd=cwd,
                          capture_output=True, text=True, timeout=30, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "TERM": "dumb"})


@pytest.mark.parametrize("prompt", EDGE_PROMPTS)
def test_profile_reads_back_exactly_what_was_given(four_node: Path, prompt: str) -> None:
    text = four_node.read_text().replace("aliases: {vi: vim}",
                                         f"aliases: {json.dumps(EDGE_ALIASES)}")
    four_node.write_text(text.replace("prompt: '[\\u@\\h \\W]\\$ '",
                                      f"prompt: {json.dumps(prompt)}"))
    settings = group_vars(load(four_node))  # valid: validate accepts every edge case
    assert settings["locale_prompt"] == prompt and settings["locale_aliases"] == EDGE_ALIASES
    profile = four_node.parent / "profile.sh"
    profile.write_text(_render_role_template("locale", "profile.sh.j2", **{
        k: settings[k] for k in ("locale_lang", "locale_lc_all", "locale_prompt",
                                 "locale_aliases")}))
    done = _bash(f". {profile}; printf '%s\\0' \"$PS1\" \"$LANG\"; for a in "
                 f"{' '.join(EDGE_ALIASES)}; do printf '%s\\0' \"${{BASH_ALIASES[$a]}}\"; done",
                 four_node.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\0")[:-1] == [prompt, "en_US.UTF-8", *EDGE_ALIASES.values()]


PROMPT_ATTEMPTS = ["$(touch ran)", "`touch ran`", "\\044(touch ran)", "$\\D{(touch ran)}",
                   "\\$(touch ran)", "${x:-$(touch ran)}", "$\\[(touch ran)\\]",
                   *EDGE_PROMPTS]


@pytest.mark.parametrize("prompt", PROMPT_ATTEMPTS)
def test_no_prompt_validate_accepts_runs_a_command(tmp_path: Path, prompt: str) -> None:
    """bash expands the prompt (${PS1@P}, then as PS1 is shown): nothing accepted runs."""
    profile = tmp_path / "profile.sh"
    profile.write_text(_render_role_template("locale", "profile.sh.j2", locale_lang="C",
                                             locale_lc_all="", locale_prompt=prompt,
                                             locale_aliases={}))
    done = _bash(f'. {profile}; printf "%s" "${{PS1@P}}"', tmp_path)
    assert done.returncode == 0, done.stderr
    ran = (tmp_path / "ran").exists()
    accepted = checks.text(prompt) is None and checks.prompt(prompt) is None
    assert not (accepted and ran), f"validate accepts {prompt!r}, and bash runs it"
    if prompt.startswith(("$(", "`", "\\044", "$\\D")):
        assert ran, "bash runs this one: the pattern must keep refusing it"


def test_etc_hosts_block_reads_back_the_node_names(four_node: Path) -> None:
    names = ["a", "node-1.example.org", "x" * 63, "N0DE"]
    text = four_node.read_text()
    for i, name in enumerate(names, 1):
        text = text.replace(f"name: openstack{i}", f"name: {name}")
    four_node.write_text(text)
    nodes = group_vars(load(four_node))["deployment_nodes"]
    tasks = yaml.safe_load((ROLES / "base" / "tasks" / "configure.yml").read_text())
    (task,) = [t for t in tasks if t["name"] == "List every node in /etc/hosts"]
    block = jinja2.Environment(trim_blocks=True).from_string(
        task["ansible.builtin.blockinfile"]["block"]).render(base_hosts_entries=nodes)
    assert [line.split() for line in block.splitlines()] == [
        [n["address"], n["name"]] for n in nodes]
    assert [n["name"] for n in nodes] == names


def test_an_empty_lc_all_validates_and_leaves_lc_all_unset(four_node: Path) -> None:
    """validate and roles/locale agree: an empty locale.lc_all is no LC_ALL line."""
    four_node.write_text(four_node.read_text().replace("lc_all: en_US.UTF-8", "lc_all: ''"))
    settings = group_vars(load(four_node))
    profile = four_node.parent / "profile.sh"
    profile.write_text(_render_role_template("locale", "profile.sh.j2", **{
        k: settings[k] for k in ("locale_lang", "locale_lc_all", "locale_prompt",
                                 "locale_aliases")}))
    done = _bash(f'LC_ALL=; unset LC_ALL; . {profile}; echo "${{LC_ALL-unset}}"', four_node.parent)
    assert done.stdout.strip() == "unset" and "LC_ALL" not in profile.read_text()

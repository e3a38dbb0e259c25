"""The deployment phases, in order, and which of them a command line selects."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import yaml

import installer
from installer.errors import UsageError

#: Phase names in the order ``playbooks/site.yml`` imports them.
PHASES: tuple[str, ...] = ("bootstrap", "infra", "ceph", "services", "post")


def playbooks_dir() -> Path:
    return installer.PROJECT_ROOT / "playbooks"


def roles_dir() -> Path:
    return installer.PROJECT_ROOT / "roles"


def playbook_for(phase: str, directory: Path | None = None) -> Path:
    return (directory or playbooks_dir()) / f"{phase}.yml"


def _check_name(name: str, option: str) -> None:
    if name not in PHASES:
        raise UsageError(
            f"unknown phase {name!r} for {option}",
            hint=f"choose one of: {', '.join(PHASES)}",
        )


def select_phases(only: Sequence[str] = (), start: str | None = None) -> list[str]:
    """Phases to run, in deployment order.

    ``only`` (``--phase``, repeatable) picks exactly those phases; ``start`` (``--from``)
    picks that phase and every later one. Neither: all phases.
    """
    if only and start:
        raise UsageError(
            "--phase and --from cannot be combined",
            hint="use --phase NAME (repeatable) for chosen phases, or --from NAME to resume",
        )
    for name in only:
        _check_name(name, "--phase")
    if start:
        _check_name(start, "--from")
        return list(PHASES[PHASES.index(start) :])
    if only:
        return [p for p in PHASES if p in set(only)]
    return list(PHASES)


#: What each phase's plays are called: ``"<Title> | what the play does"`` (the playbooks'
#: own convention, held by a contract test). The facts play every phase playbook imports
#: first is ``"Facts | ..."`` and belongs to the phase that follows it.
FACTS_PLAY = "Facts"


def _title(play: str) -> str:
    """What a play's name says before ``" | "``."""
    return play.split(" | ", 1)[0].strip()


def phase_of_play(play: str) -> str | None:
    """The phase a play belongs to by its name, ``None`` for the facts play or another."""
    title = _title(play).lower()
    return title if title in PHASES else None


def is_facts_play(play: str) -> bool:
    return _title(play) == FACTS_PLAY


#: The play a combined run holds between two phases: it fails every node left when one
#: failed in the phase before, so the next phase starts nowhere (as separate runs would).
GATE_PLAY = "Gate"

_GATE = """- name: "Gate | go on to {phase} only if every node got through the phase before"
  hosts: all
  gather_facts: false
  tags: [always]
  tasks:
    - name: Every node got through the phase before {phase}
      ansible.builtin.fail:
        msg: >-
          not starting {phase}: {{{{ ansible_play_hosts_all | difference(ansible_play_hosts)
          | join(', ') }}}} failed before it
      when: ansible_play_hosts_all | difference(ansible_play_hosts) | length > 0
"""


#: The tag every phase playbook puts on its own import of ``facts.yml``. A run of several
#: phases imports the facts play once at its top and skips the phases' own with
#: ``--skip-tags``: four plays fewer (about a second of a no-change re-run).
PHASE_FACTS_TAG = "phase_facts"
FACTS_PLAYBOOK = "facts.yml"
#: The tag of each role's own load of its distro values. The facts play loads every
#: role's at once, so a deploy skips these (about twenty steps of a run).
ROLE_DISTRO_VARS_TAG = "role_distro_vars"


def imports_facts(playbook: Path) -> bool:
    """Whether ``playbook`` imports the facts play (which loads every role's distro values)."""
    try:
        entries = yaml.safe_load(playbook.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(entries, list) and any(
        isinstance(entry, dict)
        and FACTS_PLAYBOOK in (entry.get("ansible.builtin.import_playbook"),
                               entry.get("import_playbook"))
        for entry in entries)


def run_imports_facts(playbooks: Sequence[Path]) -> bool:
    """Whether a run of ``playbooks`` has the facts play: every one of them imports it (the
    combined playbook then imports it once, and the roles' own distro loads are skipped)."""
    return bool(playbooks) and all(imports_facts(playbook) for playbook in playbooks)


def skip_tags(playbooks: Sequence[Path]) -> list[str]:
    """What a deploy of ``playbooks`` skips: each role's own distro values when every one of
    them imports the facts play that loads them all, and with several playbooks each one's
    own facts play (the run's combined playbook imports it once)."""
    tags = []
    if run_imports_facts(playbooks):
        tags.append(ROLE_DISTRO_VARS_TAG)
    if len(playbooks) > 1:
        tags.append(PHASE_FACTS_TAG)
    return tags


def is_gate_play(play: str) -> bool:
    return _title(play) == GATE_PLAY


def combined_playbook(phases: Sequence[str], playbooks: Sequence[Path], dest: Path) -> Path:
    """A playbook at ``dest`` that imports ``playbooks`` in order, for one ansible-playbook.

    One run instead of one per phase: Ansible, the inventory and the collections load once,
    and Mitogen keeps one interpreter per node for the whole deploy, so each module reaches
    a node once (a no-change re-run of the four-node lab: about 9 s less). A gate play
    between two phases keeps a failure where it happened. The facts play runs once, first:
    the run skips each phase playbook's own by its tag (:data:`PHASE_FACTS_TAG`).
    """
    parts = ["---\n# Written by stackinstall deploy: the selected phases in one run; run it\n"
             f"# with --skip-tags {PHASE_FACTS_TAG} (the facts play below is the run's one).\n"]
    if run_imports_facts(playbooks):
        facts = playbooks[0].parent / FACTS_PLAYBOOK
        parts.append(f"- name: Facts\n"
                     f"  ansible.builtin.import_playbook: {json.dumps(str(facts.resolve()))}\n")
    for index, (phase, playbook) in enumerate(zip(phases, playbooks, strict=True)):
        if index:
            parts.append(_GATE.format(phase=phase))
        parts.append(f"- name: Phase {phase}\n"
                     f"  ansible.builtin.import_playbook: {json.dumps(str(playbook.resolve()))}\n")
    dest.write_text("\n".join(parts), encoding="utf-8")
    return dest

"""deploy runs the selected phases in one ansible-playbook and tells them apart by the names
of their plays (``installer.deploy.events``, ``installer.deploy.timing``): every play of a
phase playbook is called ``<Phase> | ...``, after the facts play it imports first."""

from __future__ import annotations

import pytest
import yaml

from installer.deploy.phases import (
    PHASES,
    is_facts_play,
    is_gate_play,
    phase_of_play,
    playbook_for,
    playbooks_dir,
)


@pytest.mark.parametrize("phase", PHASES)
def test_every_play_of_a_phase_is_named_for_it(phase: str) -> None:
    entries = yaml.safe_load(playbook_for(phase).read_text(encoding="utf-8"))
    assert entries[0].get("ansible.builtin.import_playbook") == "facts.yml", \
        f"{phase}.yml must import facts.yml first"
    plays = entries[1:]
    assert plays, f"{phase}.yml has no play of its own"
    for play in plays:
        assert "ansible.builtin.import_playbook" not in play, \
            f"{phase}.yml imports {play['ansible.builtin.import_playbook']} after its facts"
        assert phase_of_play(play["name"]) == phase, \
            f"{phase}.yml: play {play['name']!r} must be named '{phase.title()} | ...'"


def test_the_facts_play_is_the_facts_play_and_no_phase() -> None:
    facts = yaml.safe_load((playbooks_dir() / "facts.yml").read_text(encoding="utf-8"))
    names = [play["name"] for play in facts]
    assert names and all(is_facts_play(n) and phase_of_play(n) is None for n in names)
    assert not any(is_gate_play(n) for n in names)

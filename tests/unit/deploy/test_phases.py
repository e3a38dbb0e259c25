import pytest

from installer.deploy.phases import PHASES, playbook_for, select_phases
from installer.errors import UsageError


def test_default_is_every_phase_in_order():
    assert select_phases() == ["bootstrap", "infra", "ceph", "services", "post"]


def test_from_runs_that_phase_and_the_later_ones():
    assert select_phases(start="infra") == ["infra", "ceph", "services", "post"]
    assert select_phases(start="post") == ["post"]


def test_phase_picks_exactly_those_in_deployment_order():
    assert select_phases(["infra", "bootstrap"]) == ["bootstrap", "infra"]
    assert select_phases(["services"]) == ["services"]


@pytest.mark.parametrize(("only", "start"), [(["nope"], None), ((), "nope")])
def test_unknown_phase_is_a_usage_error_listing_the_choices(only, start):
    with pytest.raises(UsageError) as exc:
        select_phases(only, start)
    assert "nope" in exc.value.message
    assert all(p in exc.value.hint for p in PHASES)


def test_phase_and_from_together_are_refused():
    with pytest.raises(UsageError):
        select_phases(["infra"], "bootstrap")


def test_every_phase_has_a_playbook_in_the_project():
    for phase in PHASES:
        assert playbook_for(phase).is_file(), phase


def test_a_deploy_skips_the_roles_own_distro_loads_only_after_the_facts_play(tmp_path):
    from installer.deploy.phases import (
        PHASE_FACTS_TAG,
        ROLE_DISTRO_VARS_TAG,
        playbooks_dir,
        skip_tags,
    )

    project = [playbook_for(p) for p in PHASES]
    assert skip_tags(project) == [ROLE_DISTRO_VARS_TAG, PHASE_FACTS_TAG]
    assert skip_tags(project[:1]) == [ROLE_DISTRO_VARS_TAG]
    assert (playbooks_dir() / "facts.yml").is_file()
    # a playbook of its own (tests, tools) that runs a role without the facts play
    own = tmp_path / "bootstrap.yml"
    own.write_text("---\n- name: Bootstrap | repos\n  hosts: all\n  roles: [repos]\n")
    assert skip_tags([own]) == []
    assert skip_tags([own, project[1]]) == [PHASE_FACTS_TAG]
    (tmp_path / "broken.yml").write_text("{not: [yaml")
    assert skip_tags([tmp_path / "broken.yml"]) == []

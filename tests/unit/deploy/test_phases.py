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

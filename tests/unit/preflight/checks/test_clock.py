"""Clock skew can only be tested here: lab nodes share the host's kernel clock, and a
node's clock must never be changed (it would change the host's). So the deploy host's
side is faked: ClockSample carries the times taken around the call."""

import pytest

from installer.preflight.checks.clock import CLOCK_BOUND_S, clock, skew
from installer.preflight.facts import ClockSample
from installer.preflight.findings import Status

from ..conftest import context


def test_skew_is_measured_from_the_midpoint():
    assert skew(ClockSample("1000.5", 1000.0, 1000.2)) == pytest.approx((0.4, 0.1))
    assert skew(ClockSample("garbage", 1.0, 2.0)) is None


def test_node_in_step_passes(deployment):
    [f] = clock(context(deployment, "openstack1", clock=ClockSample("1000.05", 1000.0, 1000.1)))
    assert f.status is Status.PASS


def test_node_behind_by_more_than_the_bound_fails(deployment):
    sample = ClockSample(str(1000.0 - CLOCK_BOUND_S - 2), 1000.0, 1000.1)
    [f] = clock(context(deployment, "openstack1", clock=sample))
    assert f.status is Status.FAIL and "behind the deploy host" in f.found
    assert "7.05 s" in f.found and "chrony" in f.fix


def test_a_slow_round_trip_widens_the_bound(deployment):
    # 6 s ahead of the midpoint, but the answer took 4 s: within 5 s + 2 s
    [f] = clock(context(deployment, "openstack1", clock=ClockSample("1008.0", 1000.0, 1004.0)))
    assert f.status is Status.PASS and "ahead of" in f.found


def test_unreadable_date(deployment):
    [f] = clock(context(deployment, "openstack1", clock=ClockSample("", 1.0, 1.1)))
    assert f.status is Status.FAIL

"""How a step is recorded: passed, failed, blocked, or not attempted (inheriting blocked)."""

from __future__ import annotations

import itertools

from installer.testbed.smoke.steps import Recorder, StepBlocked, StepFailed
from installer.verify.result import BLOCKED, FAIL, PASS


def recorder() -> Recorder:
    ticks = itertools.count(step=2.0)
    return Recorder("openstack1", clock=lambda: next(ticks))


def test_each_outcome_is_one_result_with_its_time() -> None:
    record = recorder()

    def blocked() -> str:
        raise StepBlocked("no br_netfilter")

    def failed() -> str:
        raise StepFailed("went to ERROR")

    def crashed() -> str:
        raise KeyError("router")

    assert record.step("a", lambda: "fine") is True
    assert record.step("b", blocked) is False
    assert record.step("c", failed) is False
    assert record.step("d", crashed) is False
    got = [(r.check, r.status, r.message, r.duration_s) for r in record.results]
    assert got == [("smoke: a", PASS, "fine", 2.0), ("smoke: b", BLOCKED, "no br_netfilter", 2.0),
                   ("smoke: c", FAIL, "went to ERROR", 2.0),
                   ("smoke: d", FAIL, "KeyError: 'router'", 2.0)]


def test_not_attempted_inherits_blocked_and_fails_otherwise() -> None:
    record = recorder()
    record.step("volume", lambda: (_ for _ in ()).throw(StepBlocked("no device-mapper")))
    record.step("boot", lambda: (_ for _ in ()).throw(StepFailed("ERROR")))
    record.not_attempted("write", ["volume"])
    record.not_attempted("detach", ["write"])
    record.not_attempted("reach", ["boot"])
    statuses = {r.check: (r.status, r.message) for r in record.results}
    assert statuses["smoke: write"] == (BLOCKED, "not attempted: 'volume' did not pass")
    assert statuses["smoke: detach"][0] == BLOCKED
    assert statuses["smoke: reach"] == (FAIL, "not attempted: 'boot' did not pass")


def test_progress_hears_each_step_as_it_ends_and_each_step_not_attempted() -> None:
    heard: list[tuple[str, str]] = []
    ticks = iter(range(100))
    rec = Recorder("openstack1", clock=lambda: next(ticks),
                   progress=lambda r: heard.append((r.check, r.status)))

    def blocked() -> str:
        raise StepBlocked("no device-mapper")

    rec.step("upload image", lambda: "uploaded")
    assert heard == [("smoke: upload image", "pass")]
    rec.step("write", blocked)
    rec.not_attempted("read back", ["write"])
    assert heard == [("smoke: upload image", "pass"), ("smoke: write", "blocked"),
                     ("smoke: read back", "blocked")]
    assert [(r.check, r.status) for r in rec.results] == heard

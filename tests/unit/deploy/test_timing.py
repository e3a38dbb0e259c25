"""The slowest tasks of a run, from job events written the way ansible-runner writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from installer.deploy.timing import slowest, task_times


def _event(counter: int, event: str, task: str, host: str, start: str, end: str,
           uuid: str | None = None, role: str = "base", play: str = "") -> dict:
    return {"counter": counter, "event": event,
            "event_data": {"task": task, "task_uuid": uuid or task, "host": host, "role": role,
                           "play": play,
                           "start": f"2026-12-06T11:00:{start}+00:00",
                           "end": f"2026-12-06T11:00:{end}+00:00"}}


def _write(run: Path, phase: str, events: list[dict]) -> None:
    folder = run / "artifacts" / phase / "job_events"
    folder.mkdir(parents=True)
    for event in events:
        (folder / f"{event['counter']}-x.json").write_text(json.dumps(event))


def test_a_tasks_wall_time_spans_its_hosts_and_names_the_busiest() -> None:
    events = [
        _event(1, "runner_on_ok", "Install", "openstack1", "00.0", "10.0"),
        _event(2, "runner_on_ok", "Install", "openstack2", "01.0", "04.0"),
        _event(3, "runner_on_skipped", "Upgrade", "openstack1", "10.0", "10.5"),
        _event(4, "playbook_on_task_start", "Upgrade", "openstack1", "10.0", "10.0"),
    ]
    times = {t.task: t for t in task_times(events, "bootstrap")}
    assert set(times) == {"Install", "Upgrade"}
    install = times["Install"]
    assert (install.wall_s, install.hosts, install.busiest, install.busiest_s) == (
        10.0, 2, "openstack1", 10.0)
    assert install.phase == "bootstrap" and install.role == "base"
    assert times["Upgrade"].wall_s == pytest.approx(0.5)


def test_events_without_times_are_left_out() -> None:
    event = _event(1, "runner_on_ok", "Install", "openstack1", "00.0", "10.0")
    event["event_data"]["end"] = None
    assert task_times([event], "bootstrap") == []


def test_the_same_name_twice_is_two_tasks() -> None:
    events = [_event(1, "runner_on_ok", "Restart", "openstack1", "00.0", "02.0", uuid="a"),
              _event(2, "runner_on_ok", "Restart", "openstack1", "05.0", "06.0", uuid="b")]
    assert sorted(t.wall_s for t in task_times(events, "services")) == [1.0, 2.0]


def test_slowest_orders_every_phase_of_one_run_and_keeps_the_top(tmp_path: Path) -> None:
    # one run, several phases: each event's phase is told by its play's name
    _write(tmp_path, "phases", [
        _event(1, "runner_on_ok", "Gather", "openstack1", "00.0", "00.5", play="Facts | all"),
        _event(2, "runner_on_ok", "Install", "openstack1", "00.0", "30.0",
               play="Bootstrap | base"),
        _event(3, "runner_on_ok", "Hosts", "openstack1", "30.0", "31.0",
               play="Bootstrap | base"),
        _event(4, "runner_on_ok", "Register", "openstack1", "00.0", "12.0", role="keystone",
               play="Services | keystone")])
    top = slowest(tmp_path, ["bootstrap", "services"], top=2)
    assert [(t.phase, t.task) for t in top] == [("bootstrap", "Install"), ("services", "Register")]
    every = slowest(tmp_path, ["bootstrap", "services", "post"])
    assert [t.phase for t in every if t.task == "Gather"] == ["bootstrap"]
    assert [t for t in every if t.phase == "post"] == []


def test_a_run_of_one_playbook_outside_the_phases_is_that_phase(tmp_path: Path) -> None:
    _write(tmp_path, "destroy", [
        _event(1, "runner_on_ok", "Stop", "openstack1", "00.0", "04.0", play="Destroy nodes")])
    assert [(t.phase, t.task) for t in slowest(tmp_path, ["destroy"])] == [("destroy", "Stop")]

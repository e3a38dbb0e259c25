"""RunTracker fed with the events of a real recorded run (data/infra_failed_play.yml)."""

from installer.deploy.events import RunTracker, stats_to_counts


def _track(events) -> RunTracker:
    ticks = iter(range(1000))
    tracker = RunTracker(clock=lambda: float(next(ticks)))
    tracker.start_phase("infra")
    for event in events:
        assert tracker.handle(event) is True
    tracker.finish_phase("failed")
    return tracker


def test_recap_counts_per_host(failed_events):
    totals = _track(failed_events).totals()
    assert set(totals) == {"node1", "node2", "node3", "node4", "ghost"}
    assert totals["ghost"].unreachable == 1
    assert totals["node4"].failed == 0
    assert totals["node4"].rescued == 1
    assert all(totals[h].failed == 1 for h in ("node1", "node2", "node3"))
    assert all(totals[h].changed == 2 for h in ("node1", "node2", "node3", "node4"))


def test_only_fatal_failures_are_reported_not_rescued_or_ignored(failed_events):
    failures = {f.host: f for f in _track(failed_events).failures()}
    assert set(failures) == {"node1", "node2", "node3", "ghost"}
    assert failures["node1"].task == "Secret failure"
    assert failures["node2"].task == "Command failure"
    assert failures["node3"].task == "Loop failure"
    assert failures["ghost"].unreachable
    assert all(f.phase == "infra" for f in failures.values())


def test_failure_messages_are_extracted_not_dumped(failed_events):
    failures = {f.host: f for f in _track(failed_events).failures()}
    assert "database connection refused" in failures["node2"].message
    assert "exit code 3" in failures["node2"].message
    assert "invocation" not in failures["node2"].message
    assert "no_log" in failures["node1"].message
    assert "S3cretValue-xyz" not in failures["node1"].message
    assert "item 1" in failures["node3"].message
    assert "Connection refused" in failures["ghost"].message
    assert failures["node2"].task_path.endswith("infra_failed_play.yml:25")


def test_live_state_follows_the_hosts(failed_events):
    tracker = _track(failed_events)
    phase, play, task, hosts = tracker.snapshot()
    assert phase == "infra"
    assert play == "Second play"
    assert task == "Fine"
    assert hosts["ghost"].state == "unreachable"
    assert hosts["node2"].state == "failed"
    assert hosts["node4"].state == "ok"
    assert hosts["node2"].counts.ignored == 1


def test_phase_record_has_duration_and_stats(failed_events):
    tracker = _track(failed_events)
    record = tracker.phases[0]
    assert record.status == "failed"
    assert record.duration_s > 0
    data = record.as_dict()
    assert data["hosts"]["ghost"]["unreachable"] == 1
    assert {f["host"] for f in data["failures"]} == {"node1", "node2", "node3", "ghost"}


def test_stdout_is_forwarded_in_order(failed_events):
    seen: list[str] = []
    tracker = RunTracker(on_stdout=seen.append)
    tracker.start_phase("infra")
    for event in failed_events:
        tracker.handle(event)
    assert any("PLAY RECAP" in s for s in seen)
    assert seen == [e["stdout"] for e in failed_events if e.get("stdout")]


def test_stats_without_failures_mean_zero_counters():
    counts = stats_to_counts({"ok": {"a": 3}, "changed": {}, "processed": {"a": 1, "b": 1}})
    assert counts["a"].ok == 3
    assert counts["a"].changed == 0
    assert counts["b"].as_dict() == {
        "ok": 0, "changed": 0, "failed": 0, "unreachable": 0,
        "skipped": 0, "rescued": 0, "ignored": 0,
    }


def test_failures_of_a_phase_that_never_reached_the_recap_are_kept(failed_events):
    cut = [e for e in failed_events if e["event"] != "playbook_on_stats"]
    tracker = RunTracker()
    tracker.start_phase("infra")
    for event in cut:
        tracker.handle(event)
    record = tracker.finish_phase("failed")
    assert {f.host for f in record.failures} >= {"node2", "ghost"}


def test_events_recorded_on_the_lab_name_the_failed_host_task_and_error():
    """data/lab_infra_failed_events.json: `deploy --phase infra` on a four-node lab with
    mariadb masked on openstack1 (recorded from the real run, invocation args dropped)."""
    import json
    from pathlib import Path

    from installer.deploy.summary import failure_report

    data = Path(__file__).parent / "data" / "lab_infra_failed_events.json"
    events = json.loads(data.read_text())
    tracker = _track(events)
    totals = tracker.totals()
    assert set(totals) == {"openstack1", "openstack2", "openstack3", "openstack4"}
    assert totals["openstack1"].failed == 1
    assert all(c.changed == 0 for c in totals.values())
    (failure,) = tracker.failures()
    assert (failure.host, failure.role, failure.task) == (
        "openstack1", "mariadb", "Enable and start MariaDB")
    assert "mariadb.service is masked" in failure.message
    lines = failure_report([failure], [], str)
    assert lines[0].startswith("FAILED: host openstack1, phase infra, "
                               "task 'mariadb : Enable and start MariaDB'")


def test_the_handlers_that_ran_are_named_per_host():
    """Events as ansible-runner wrote them on lab cat (a notify, then the handler's result)."""
    from installer.deploy.summary import handlers_line

    def ev(kind, host, **data):
        return {"event": kind, "event_data": {"host": host, **data}}

    tracker = RunTracker()
    tracker.start_phase("services")
    for event in (
        ev("playbook_on_notify", "openstack2", handler="neutron : Restart neutron server"),
        ev("playbook_on_notify", "openstack2", handler="neutron : Restart neutron l3 agent"),
        ev("runner_on_skipped", "openstack2", task="Restart neutron server"),
        ev("runner_on_ok", "openstack2", task="Restart neutron l3 agent", res={"changed": True}),
        ev("runner_on_ok", "openstack1", task="Restart glance", res={"changed": True}),
        ev("runner_on_ok", "openstack3", task="Write nova.conf", res={"changed": True}),
    ):
        tracker.handle(event)
    record = tracker.finish_phase("successful")
    assert record.handlers == {"openstack2": ["Restart neutron l3 agent"]}
    assert record.as_dict()["handlers"] == {"openstack2": ["Restart neutron l3 agent"]}
    assert handlers_line([record]) == "restarted: openstack2: Restart neutron l3 agent"
    assert handlers_line([]) == "restarted: nothing (no handler ran)"


def _play(name: str) -> dict:
    return {"event": "playbook_on_play_start", "event_data": {"play": name}}


def _result(kind: str, host: str) -> dict:
    return {"event": kind, "event_data": {"host": host, "task": "t", "res": {}}}


def test_one_run_of_several_phases_is_split_by_its_plays():
    ticks = iter(range(100))
    tracker = RunTracker(clock=lambda: float(next(ticks)))
    done: list[str] = []
    tracker.on_phase_done = lambda record: done.append(record.name)
    tracker.follow(["bootstrap", "infra"])
    for event in [
        _play("Facts | gather"), _result("runner_on_skipped", "h1"),
        _play("Bootstrap | base"), _result("runner_on_ok", "h1"),
        _result("runner_on_ok", "h1"),
        _play("Gate | go on to infra"), _result("runner_on_skipped", "h1"),
        _play("Facts | gather"), _result("runner_on_skipped", "h1"),
        _play("Infra | time"), _result("runner_on_ok", "h1"),
        {"event": "playbook_on_stats", "event_data": {"ok": {"h1": 3}, "skipped": {"h1": 3}}},
    ]:
        tracker.handle(event)
    assert done == ["bootstrap"]
    tracker.finish_phase("successful")
    bootstrap, infra = tracker.phases
    assert (bootstrap.name, bootstrap.status, infra.name) == ("bootstrap", "successful", "infra")
    assert bootstrap.duration_s > 0
    # the facts play belongs to the phase after it; the gate to neither
    assert (bootstrap.hosts["h1"].ok, bootstrap.hosts["h1"].skipped) == (2, 1)
    assert (infra.hosts["h1"].ok, infra.hosts["h1"].skipped) == (1, 1)
    assert tracker.totals()["h1"].ok == 3 and tracker.totals()["h1"].skipped == 2

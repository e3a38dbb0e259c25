"""deploy --plan: a check-mode run's events read back per node, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from installer.deploy.plan import build, read_events, show
from installer.masking import Masker

SECRET = "s3cret-value-xyz"


def _task(name: str, role: str = "keystone", handler: bool = False) -> dict:
    kind = "playbook_on_handler_task_start" if handler else "playbook_on_task_start"
    return {"event": kind, "event_data": {"task": name, "role": role}}


def _ok(host: str, name: str, action: str, res: dict, role: str = "keystone") -> dict:
    return {"event": "runner_on_ok", "event_data": {
        "host": host, "task": name, "role": role, "resolved_action": action,
        "res": {"changed": True, **res}}}


def _events() -> list[dict]:
    return [
        _task("Write keystone.conf"),
        _ok("ctl", "Write keystone.conf", "ansible.builtin.template", {
            "dest": "/etc/keystone/keystone.conf",
            "diff": [{"before_header": "/etc/keystone/keystone.conf",
                      "after_header": "/etc/keystone/keystone.conf",
                      "before": "a = 1\npassword = old\n",
                      "after": f"a = 2\npassword = {SECRET}\n"}]}),
        _task("Install the packages", "base"),
        _ok("ctl", "Install the packages", "ansible.builtin.apt",
            {"stdout": "Inst vim (2:9.1 Debian:13)\nInst vim-runtime (2:9.1)\n"}, "base"),
        _task("Register the service", "openstack_service"),
        _ok("ctl", "Register the service", "openstack.cloud.endpoint", {}, "openstack_service"),
        _task("Set the hostname", "base"),
        _ok("cmp", "Set the hostname", "ansible.builtin.hostname", {}, "base"),
        _task("Run a command", "nova"),
        {"event": "runner_on_skipped", "event_data": {
            "host": "cmp", "task": "Run a command", "role": "nova",
            "res": {"skipped": True, "msg": "Command would have run if not in check mode"}}},
        _task("Use a module without check mode", "nova"),
        {"event": "runner_on_skipped", "event_data": {
            "host": "cmp", "task": "Use a module without check mode", "role": "nova",
            "res": {"skipped": True, "msg": "remote module (x) does not support check mode"}}},
        _task("An unchanged file"),
        {"event": "runner_on_ok", "event_data": {
            "host": "net", "task": "An unchanged file", "resolved_action": "ansible.builtin.copy",
            "res": {"changed": False}}},
        # Ansible notifies a handler when it flushes them, after the play's tasks
        _task("Flush handlers", "keystone"),
        {"event": "playbook_on_notify", "event_data": {"host": "ctl",
                                                       "handler": "keystone : Restart keystone"}},
        _task("Restart keystone", handler=True),
        _ok("ctl", "Restart keystone", "ansible.builtin.systemd_service", {}),
    ]


def test_each_node_gets_its_files_packages_restarts_and_registrations():
    plan = build(_events(), Masker([SECRET]))
    ctl, cmp, net = plan.nodes["ctl"], plan.nodes["cmp"], plan.nodes["net"]
    assert ctl.files == ["/etc/keystone/keystone.conf"]
    assert ctl.packages == ["vim", "vim-runtime"]
    assert [(r.handler, r.because) for r in ctl.restarts] == [
        ("Restart keystone", ["/etc/keystone/keystone.conf"])]
    assert ctl.registrations == ["openstack_service : Register the service"]
    assert cmp.other == ["base : Set the hostname"]
    assert cmp.commands == ["nova : Run a command"]
    assert cmp.unknown == ["nova : Use a module without check mode"]
    assert net.changes == 0
    # a package is one change
    assert plan.verdict == "7 changes on 2 nodes (1 tasks could not tell in check mode)"


def test_diffs_are_masked_and_only_given_on_request():
    plan = build(_events(), Masker([SECRET]))
    assert SECRET not in json.dumps(plan.as_dict(diffs=True))
    assert "+password = ********" in plan.nodes["ctl"].diffs["/etc/keystone/keystone.conf"]
    assert "diffs" not in plan.as_dict()["nodes"]["ctl"]


def test_an_unchanged_cloud_has_nothing_to_do():
    events = [e for e in _events() if e["event"] != "runner_on_ok"
              or not e["event_data"]["res"].get("changed")]
    events = [e for e in events if e["event"] != "runner_on_skipped"]
    plan = build(events, Masker([]))
    console = Console(record=True, width=120)
    show(console, plan)
    assert plan.verdict == "nothing to do"
    shown = console.export_text()
    assert shown.splitlines()[-1] == "nothing to do"
    unknown = build([e for e in _events() if "without check mode" in str(e)], Masker([]))
    assert unknown.verdict == "nothing to do (1 tasks could not tell in check mode)"


def test_events_are_read_in_the_order_they_ran(tmp_path: Path):
    # one ident per run; were there several, the earlier one's events come first
    for ident, counters, created in (("services", [1], "2026-12-07T10:00:05"),
                                     ("infra", [2, 1], "2026-12-07T10:00:00")):
        directory = tmp_path / "artifacts" / ident / "job_events"
        directory.mkdir(parents=True)
        for counter in counters:
            (directory / f"{counter}-x.json").write_text(json.dumps(
                {"counter": counter, "event": f"{ident}{counter}", "created": created}))
    (tmp_path / "artifacts" / "infra" / "job_events" / "bad.json").write_text("{")
    events = read_events(tmp_path)
    assert [e["event"] for e in events] == ["infra1", "infra2", "services1"]
    assert read_events(tmp_path / "nothing") == []


def test_a_notified_handler_is_a_restart_and_hidden_changes_are_counted():
    # ansible-runner may start a handler with playbook_on_task_start; the notify names it.
    # A no_log task's result is censored: only the recap's changed count shows it.
    events = [
        _task("Write the keyring"),
        {"event": "runner_on_ok", "event_data": {
            "host": "ctl", "task": "Write the keyring", "role": "cinder",
            "resolved_action": "ansible.builtin.template", "res": {"censored": "hidden"}}},
        {"event": "playbook_on_notify", "event_data": {"host": "ctl",
                                                       "handler": "cinder : Restart cinder"}},
        _task("Restart cinder", "cinder"),
        _ok("ctl", "Restart cinder", "ansible.builtin.systemd_service", {}, "cinder"),
        {"event": "playbook_on_stats", "event_data": {"changed": {"ctl": 2}}},
    ]
    plan = build(events, Masker([]))
    ctl = plan.nodes["ctl"]
    assert [r.handler for r in ctl.restarts] == ["Restart cinder"]
    assert ctl.other == [] and ctl.hidden == 1
    assert plan.verdict == "2 changes on 1 nodes"


def _censored(host: str, name: str, role: str, stdout: str) -> dict:
    # what ansible-runner writes for a no_log task: the result replaced, ``changed`` dropped
    return {"event": "runner_on_ok", "stdout": stdout, "event_data": {
        "host": host, "task": name, "role": role,
        "resolved_action": "ansible.builtin.template",
        "res": {"censored": "the output has been hidden due to the fact that 'no_log: true' "
                            "was specified for this result"}}}


def _flush(host: str, role: str, handler: str) -> list[dict]:
    # Ansible notifies a handler when it flushes them; then the handler runs
    return [_task("Flush handlers", role),
            {"event": "playbook_on_notify", "event_data": {"host": host,
                                                           "handler": f"{role} : {handler}"}},
            _task(handler, role, handler=True),
            _ok(host, handler, "ansible.builtin.systemd_service", {}, role)]


def test_a_censored_file_change_is_named_from_its_task_and_its_restart_says_why():
    # an override change: the INI file is written by a no_log task named after its path; the
    # line the task printed is all that says it changed
    events = [
        _task("Write /etc/nova/nova.conf", "openstack_service"),
        _censored("ctl", "Write /etc/nova/nova.conf", "openstack_service",
                  "\x1b[0;32mok: [ctl]\x1b[0m"),
        _task("Write /etc/glance/glance-api.conf", "openstack_service"),
        _censored("ctl", "Write /etc/glance/glance-api.conf", "openstack_service",
                  "\x1b[0;33mchanged: [ctl]\x1b[0m"),
        _task("Install the packages", "base"),
        _ok("cmp", "Install the packages", "ansible.builtin.apt", {"stdout": "Inst vim (2)\n"},
            "base"),
        *_flush("ctl", "glance", "Restart glance"),
        {"event": "playbook_on_stats", "event_data": {"changed": {"ctl": 2, "cmp": 1}}},
    ]
    plan = build(events, Masker([]))
    ctl = plan.nodes["ctl"]
    assert ctl.files == ["/etc/glance/glance-api.conf"]
    assert [(r.handler, r.because) for r in ctl.restarts] == [
        ("Restart glance", ["/etc/glance/glance-api.conf"])]
    assert ctl.hidden == 0 and ctl.diffs == {}
    assert plan.nodes["cmp"].restarts == []
    assert plan.verdict == "3 changes on 2 nodes"


def test_a_restart_names_every_change_since_the_last_flush_when_none_is_its_roles():
    events = [
        _task("Write the keyring", "ceph_client"),
        _ok("ctl", "Write the keyring", "ansible.builtin.copy", {"dest": "/etc/ceph/x.keyring"},
            "ceph_client"),
        *_flush("ctl", "nova", "Restart nova"),
        # after the flush, a later change is no reason for the earlier restart
        _task("Write cinder.conf", "cinder"),
        _ok("ctl", "Write cinder.conf", "ansible.builtin.template",
            {"dest": "/etc/cinder/cinder.conf"}, "cinder"),
        *_flush("ctl", "cinder", "Restart cinder"),
    ]
    ctl = build(events, Masker([])).nodes["ctl"]
    assert [(r.handler, r.because) for r in ctl.restarts] == [
        ("Restart nova", ["/etc/ceph/x.keyring"]),
        ("Restart cinder", ["/etc/cinder/cinder.conf"])]

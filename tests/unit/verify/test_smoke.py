"""The smoke's control flow: blocked steps stay blocked, and whatever was made is deleted.

The cloud's side is a recorded script of client answers (the live run is in
tests/e2e/test_deploy.py); here only the order and the bookkeeping are under test.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from installer.verify.smoke import BLOCKED, SmokeRun


class ScriptedController:
    """Answers `openstack ...` by the first matching fragment; records every command."""

    def __init__(self, answers: list[tuple[str, int, object]]) -> None:
        self.answers = answers
        self.commands: list[str] = []

    def run(self, command: str) -> SimpleNamespace:
        self.commands.append(command)
        for fragment, rc, value in self.answers:
            if fragment in command:
                out = value if isinstance(value, str) else json.dumps(value)
                return SimpleNamespace(rc=rc, stdout=out if rc == 0 else "",
                                       stderr="" if rc == 0 else str(value))
        return SimpleNamespace(rc=0, stdout="", stderr="")


def _run(answers: list[tuple[str, int, object]], blocked: str | None = None) -> SmokeRun:
    run = SmokeRun(host=ScriptedController(answers), cloud="lab", controller="openstack1",
                   compute_hosts=["openstack3"], storage_hosts=["openstack4"],
                   storage_probe=lambda node: blocked, prefix="si-smoke-test",
                   sleep=lambda s: None)
    run.run()
    return run


BASE = [
    ("image create", 0, {"id": "img1"}),
    ("image show", 0, {"id": "img1", "status": "active", "size": 1048576}),
    ("flavor create", 0, {"id": "fl1", "name": "si-smoke-test-flavor"}),
    ("network create", 0, {"id": "net1", "provider:network_type": "vxlan"}),
    ("subnet create", 0, {"id": "sub1"}),
    ("router create", 0, {"id": "r1"}),
    ("network agent list --router", 0, [{"Host": "openstack2"}]),
    ("port list --router", 0, [{"ID": "p1", "Status": "ACTIVE"}]),
    (" list", 0, []),
]


def test_blocked_volume_blocks_attach_and_the_rest_is_cleaned_up() -> None:
    answers = [
        *BASE[:-1],
        ("server create", 0, {"id": "srv1"}),
        ("server show", 0, {"id": "srv1", "status": "ACTIVE",
                            "OS-EXT-SRV-ATTR:host": "openstack3"}),
        BASE[-1],
    ]
    run = _run(answers, blocked="openstack4 has no /dev/mapper/control")
    status = {r.check: r.status for r in run.results}
    assert status == {
        "smoke: upload an image": "pass",
        "smoke: create a flavor": "pass",
        "smoke: create a network, subnet and router": "pass",
        "smoke: create a volume": BLOCKED,
        "smoke: boot a server to ACTIVE": "pass",
        "smoke: attach the volume": BLOCKED,
        "smoke: delete everything": "pass",
        "smoke: nothing left behind": "pass",
    }
    deletes = [c.split("--os-cloud lab ")[1] for c in run.host.commands
               if " delete " in c or "remove subnet" in c]
    assert deletes == ["server delete --wait srv1", "router remove subnet r1 sub1",
                       "router delete r1", "subnet delete sub1", "network delete net1",
                       "flavor delete fl1", "image delete img1"]
    assert not any("volume create" in c for c in run.host.commands)


def test_a_server_in_error_fails_with_its_fault_and_is_still_deleted() -> None:
    answers = [
        *BASE[:-1],
        ("volume create", 0, {"id": "vol1"}),
        ("volume show", 0, {"id": "vol1", "status": "available"}),
        ("server create", 0, {"id": "srv1"}),
        ("server show", 0, {"id": "srv1", "status": "ERROR",
                            "fault": {"message": "No valid host was found."}}),
        ("server list", 0, [{"Name": "si-smoke-test-server", "ID": "srv1"}]),
        BASE[-1],
    ]
    run = _run(answers)
    by_name = {r.check: r for r in run.results}
    assert by_name["smoke: boot a server to ACTIVE"].message == (
        "server srv1 went to error: No valid host was found.")
    assert by_name["smoke: attach the volume"].status == "fail"
    assert by_name["smoke: nothing left behind"].message == (
        "left behind: server si-smoke-test-server (srv1)")
    assert any("volume delete vol1" in c for c in run.host.commands)


class FlakyController(ScriptedController):
    """Drops the connection on the first `network delete`, as an API worker did once in CI;
    the delete had gone through, so the retry finds no network."""

    def __init__(self, answers: list[tuple[str, int, object]]) -> None:
        super().__init__(answers)
        self.network_deletes = 0

    def run(self, command: str) -> SimpleNamespace:
        if "network delete" in command:
            self.network_deletes += 1
            self.commands.append(command)
            if self.network_deletes == 1:
                return SimpleNamespace(rc=1, stdout="", stderr="Failed to delete network with "
                                       "name or ID 'net1': ('Connection aborted.', "
                                       "ConnectionResetError(104, 'Connection reset by peer'))")
            return SimpleNamespace(rc=1, stdout="", stderr="No Network found for net1")
        return super().run(command)


def test_a_dropped_connection_on_a_delete_is_retried_and_a_gone_resource_counts_as_deleted(
) -> None:
    answers = [
        *BASE[:-1],
        ("server create", 0, {"id": "srv1"}),
        ("server show", 0, {"id": "srv1", "status": "ACTIVE",
                            "OS-EXT-SRV-ATTR:host": "openstack3"}),
        BASE[-1],
    ]
    run = SmokeRun(host=FlakyController(answers), cloud="lab", controller="openstack1",
                   compute_hosts=["openstack3"], storage_hosts=["openstack4"],
                   storage_probe=lambda node: "no device-mapper", prefix="si-smoke-test",
                   sleep=lambda s: None)
    run.run()
    by_name = {r.check: r for r in run.results}
    assert by_name["smoke: delete everything"].status == "pass", by_name
    assert run.host.network_deletes == 2


def test_a_create_is_never_repeated() -> None:
    answers = [("image create", 1, "('Connection aborted.', ConnectionResetError(104))"),
               *BASE[2:]]
    run = _run(answers, blocked="no device-mapper")
    assert sum("image create" in c for c in run.host.commands) == 1
    assert run.results[0].status == "fail"

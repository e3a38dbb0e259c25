"""The L2 agent check reads the loop's ERROR lines, not the agent's start-up, and tells an
agent that recovered from one that is stalled. The logs below are in the format neutron's
agents write (oslo.log's default: time, pid, level, logger, request context, message; an
exception's traceback repeats the record's prefix on every line), with times relative to
now; the probe runs here on them as it runs on the node."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from installer.verify.context import CheckContext
from installer.verify.inventory import read_inventory
from installer.verify.nodetests import test_neutron_agent as neutron_agent
from installer.verify.nodetests.test_neutron_agent import LoopLog, judge
from tests.unit.verify.fakes import FakeHost, outcome

OVS = "neutron.plugins.ml2.drivers.openvswitch.agent.ovs_neutron_agent"
LB = "neutron.plugins.ml2.drivers.agent._common_agent"
REQ = "[None req-6f0d2c1e-8a47-4f7e-b0c3-1c9e0d6a2b55 - - - - - -]"
TIMEOUT = ("oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to "
           "message ID 4be1f1f5c3a64a0c9f6e0cd1f2d7b8a9")
STATS = ("Processed ports statistics: {'regular': {'added': 0, 'updated': 0, 'removed': 0}}. "
         "Elapsed:{elapsed}")


def _traceback(logger: str) -> list[tuple[str, str]]:
    return [("ERROR", f"{logger} Traceback (most recent call last):"),
            ("ERROR", f'{logger}   File "/usr/lib/python3/dist-packages/oslo_messaging/'
                      'rpc/client.py", line 185, in call'),
            ("ERROR", f"{logger}     result = self.transport._send("),
            ("ERROR", f"{logger} {TIMEOUT}"),
            ("ERROR", f"{logger} ")]


def _ovs_error() -> list[tuple[str, str]]:
    return [("ERROR", f"{OVS} {REQ} Error while processing VIF ports: {TIMEOUT}"),
            *_traceback(OVS)]


def _ovs_iteration(n: int, elapsed: str = "0.012") -> tuple[str, str]:
    return ("INFO", f"{OVS} {REQ} Agent rpc_loop - iteration:{n} completed. "
                    + STATS.replace("{elapsed}", elapsed))


def _lb_error() -> list[tuple[str, str]]:
    return [("ERROR", f"{LB} {REQ} Error in agent loop. Devices info: {{'current': "
                      "{'tap3f1c9a52-7e'}, 'added': {'tap3f1c9a52-7e'}, 'removed': set(), "
                      f"'updated': set()}}: {TIMEOUT}"),
            *_traceback(LB)]


def _ebtables_error() -> tuple[str, str]:
    return ("ERROR", "neutron.agent.linux.utils [None req-2b7e - - - - - -] Exit code: 4; "
                     "Cmd: ['ebtables', '-t', 'nat', '--concurrent', '-D', "
                     "'neutronMAC-tap3f1c9a52-7e', '-i', 'tap3f1c9a52-7e', '-j', 'DROP']; "
                     "Stdin: ; Stdout: ; Stderr: ebtables v1.8.11 (nf_tables):  RULE_DELETE "
                     "failed (Invalid argument): rule in chain neutronMAC-tap3f1c9a52-7e")


def _write(tmp_path: Path, *records: tuple[float, list[tuple[str, str]]]) -> Path:
    """A log: each record (seconds before now, its lines) with one time stamp and pid."""
    now = time.time()
    out = []
    for ago, lines in records:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now - ago))
        out += [f"{stamp}.{int(ago * 1000) % 1000:03d} 812 {level} {text}\n"
                for level, text in lines]
    path = tmp_path / "agent.log"
    path.write_text("".join(out))
    return path


def _probe(path: Path, window_s: float = 300) -> LoopLog:
    done = subprocess.run([sys.executable, "-c", neutron_agent.LOOP_LOG, str(path),
                           str(time.time() - window_s)], capture_output=True, text=True,
                          check=True)
    return LoopLog(**json.loads(done.stdout))


def test_the_window_starts_after_the_start_up_grace() -> None:
    assert neutron_agent.since(now=10_000, started=9_990) == 10_050
    assert neutron_agent.since(now=10_000, started=1_000) == 10_000 - neutron_agent.WINDOW_S


def test_a_quiet_log_passes(tmp_path: Path) -> None:
    found = _probe(_write(tmp_path, (900, _ovs_error()), (30, [_ovs_iteration(400)])))
    assert found.errors == 0
    assert judge(found, "neutron-openvswitch-agent")[0]


def test_an_ovs_agent_that_timed_out_once_at_a_restart_and_ran_on_recovered(
        tmp_path: Path) -> None:
    """neutron-server was starting: one RPC timeout in the loop, then the resync and many
    healthy iterations."""
    path = _write(tmp_path, (250, [_ovs_iteration(0, "0.301")]), (185, _ovs_error()),
                  (185, [_ovs_iteration(1, "60.081")]),
                  (183, [("INFO", f"{OVS} {REQ} Agent out of sync with plugin!")]),
                  *[(181 - 2 * i, [_ovs_iteration(2 + i)]) for i in range(60)])
    found = _probe(path)
    assert (found.errors, found.completed_after, found.logs_iterations) == (6, 61, True)
    ok, message = judge(found, "neutron-openvswitch-agent")
    assert ok, message
    assert message.startswith("neutron-openvswitch-agent recovered: 6 ERROR line(s)")
    assert "then 60 loop iteration(s) without one" in message


def test_an_ovs_agent_whose_recent_error_is_followed_by_healthy_iterations_recovered(
        tmp_path: Path) -> None:
    """Every node restarted: the agent's wait for neutron-server timed out 20 s ago, and the
    loop has ended enough iterations since; no need to wait for the quiet period."""
    path = _write(tmp_path, (20, [("ERROR", f"neutron_lib.rpc {REQ} Timeout in RPC method "
                                   "has_alive_neutron_server. Waiting for 22 seconds before "
                                   "next attempt.")]),
                  *[(18 - 2 * i, [_ovs_iteration(i)]) for i in range(5)])
    found = _probe(path)
    assert found.quiet_s < neutron_agent.QUIET_S
    assert found.completed_after == neutron_agent.OVS_RECOVERED_ITERATIONS
    ok, message = judge(found, "neutron-openvswitch-agent")
    assert ok, message
    assert "recovered" in message and "then 4 loop iteration(s) without one" in message


def test_an_ovs_agent_with_few_iterations_since_its_error_is_not_yet_recovered(
        tmp_path: Path) -> None:
    """The failed iteration's end and two more: progress, not yet proof; also when the ERROR
    is old (a loop that stopped after two iterations)."""
    for ago in (10, 200):
        path = _write(tmp_path, (ago, _ovs_error()),
                      *[(ago - 1 - i, [_ovs_iteration(i)]) for i in range(3)])
        found = _probe(path)
        assert found.completed_after == 3
        ok, message = judge(found, "neutron-openvswitch-agent")
        assert not ok
        assert "recovering: 2 loop iteration(s) since its last ERROR" in message


def test_an_ovs_agent_with_no_iteration_since_its_error_is_stalled(tmp_path: Path) -> None:
    """The failed iteration's own end, the resync started, then nothing for minutes."""
    path = _write(tmp_path, (200, _ovs_error()), (200, [_ovs_iteration(7, "61.2")]),
                  (198, [("INFO", f"{OVS} {REQ} Agent out of sync with plugin!")]))
    found = _probe(path)
    assert found.completed_after == 1
    ok, message = judge(found, "neutron-openvswitch-agent")
    assert not ok and "stalled: no loop iteration since its last ERROR" in message
    assert "MessagingTimeout" not in message.split("last:")[0]


def test_an_ovs_agent_still_failing_is_not_recovered(tmp_path: Path) -> None:
    """An ERROR in every iteration: each iteration still ends, the ERRORs go on."""
    path = _write(tmp_path, *[(record, lines) for t in range(200, 0, -20)
                              for record, lines in ((t, _ovs_error()),
                                                    (t, [_ovs_iteration(t)]))])
    ok, message = judge(_probe(path), "neutron-openvswitch-agent")
    assert not ok and "still logging ERRORs" in message and "MessagingTimeout" in message


def test_a_linuxbridge_agent_that_resynced_after_a_timeout_recovered(tmp_path: Path) -> None:
    path = _write(tmp_path, (240, _lb_error()),
                  (238, [("INFO", f"{LB} {REQ} Linux bridge Agent out of sync with plugin!")]),
                  (236, [("INFO", f"{LB} {REQ} Port tap3f1c9a52-7e updated. Details: "
                                  "{'device': 'tap3f1c9a52-7e', 'admin_state_up': True}")]))
    found = _probe(path)
    assert (found.resyncs_after, found.logs_iterations) == (1, False)
    ok, message = judge(found, "neutron-linuxbridge-agent")
    assert ok and "recovered" in message and "then a resync without one" in message


def test_a_linuxbridge_agent_whose_ebtables_rules_keep_failing_is_stalled(
        tmp_path: Path) -> None:
    """The lab's case: it reports alive, every port it wires fails, every loop resyncs."""
    resync = ("INFO", f"{LB} {REQ} Linux bridge Agent out of sync with plugin!")
    path = _write(tmp_path, *[(t, [resync, _ebtables_error()]) for t in range(240, 0, -4)])
    ok, message = judge(_probe(path), "neutron-linuxbridge-agent")
    assert not ok and "still logging ERRORs" in message and "RULE_DELETE" in message


def test_a_linuxbridge_error_without_a_resync_is_stalled(tmp_path: Path) -> None:
    ok, message = judge(_probe(_write(tmp_path, (200, _lb_error()))),
                        "neutron-linuxbridge-agent")
    assert not ok and "stalled" in message


def test_a_failed_state_report_and_its_traceback_do_not_count(tmp_path: Path) -> None:
    report = [("ERROR", f"{LB} [-] Failed reporting state!: oslo_messaging.rpc.client."
                        "RemoteError: DBConnectionError"), *_traceback(LB)]
    found = _probe(_write(tmp_path, (60, report), (30, [_ebtables_error()])))
    assert found.errors == 1 and "ebtables" in found.last


@pytest.mark.parametrize(("answer", "ok", "said"), [
    ({"errors": 0}, True, "no ERROR in its loop"),
    ({"errors": 3, "last": "x RULE_DELETE failed", "last_at": 1000.0, "now": 1010.0,
      "completed_after": 0, "resyncs_after": 1}, False, "still logging ERRORs"),
])
def test_the_check_on_a_node(deploy_dir: Path, answer: dict, ok: bool, said: str) -> None:
    inventory = read_inventory(deploy_dir)
    ctx = CheckContext(node=inventory.node("openstack3"), inventory=inventory)
    host = FakeHost({"date +%s": (0, "1700000000\n5000000000\n6000.5\n", ""),
                     "python3 -c": (0, json.dumps(answer), "")})
    result = outcome(neutron_agent.test_agent_loop, host, ctx)
    assert result.ok is ok and said in result.message
    unreadable = FakeHost({"date +%s": (0, "1700000000\n5000000000\n6000.5\n", ""),
                           "python3 -c": (2, "unreadable: [Errno 2] No such file", "")})
    result = outcome(neutron_agent.test_agent_loop, unreadable, ctx)
    assert not result.ok and "No such file" in result.message

"""The L2 agent check counts the loop's ERROR lines, not the agent's start-up."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from installer.verify.context import CheckContext
from installer.verify.inventory import read_inventory
from installer.verify.nodetests import test_neutron_agent as neutron_agent
from tests.unit.verify.fakes import FakeHost, outcome


def test_the_window_starts_after_the_start_up_grace() -> None:
    assert neutron_agent.since(now=10_000, started=9_990) == 10_050
    assert neutron_agent.since(now=10_000, started=1_000) == 10_000 - neutron_agent.WINDOW_S


def _log(tmp_path: Path, *lines: tuple[float, str]) -> Path:
    path = tmp_path / "agent.log"
    path.write_text("".join(
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(t))}.123 42 {level} x: msg {i}\n"
        for i, (t, level) in enumerate(lines)))
    return path


def _recent(path: Path, since: float) -> list[str]:
    done = subprocess.run([sys.executable, "-c", neutron_agent.RECENT_ERRORS, str(path),
                           str(since)], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()


def test_the_probe_counts_only_recent_errors(tmp_path: Path) -> None:
    now = time.time()
    path = _log(tmp_path, (now - 900, "ERROR"), (now - 30, "INFO"), (now - 20, "ERROR"),
                (now - 10, "ERROR"))
    out = _recent(path, now - 300)
    assert out[0] == "2" and out[1].endswith("msg 3")
    assert _recent(path, now)[0] == "0"


def test_errors_fail_the_check_and_name_the_last_one(deploy_dir: Path) -> None:
    inventory = read_inventory(deploy_dir)
    ctx = CheckContext(node=inventory.node("openstack3"), inventory=inventory)
    timing = (0, "1700000000\n5000000000\n6000.5\n", "")
    bad = FakeHost({"date +%s": timing,
                    "python3 -c": (0, "3\n2023-11-14 22:13:20.1 9 ERROR neutron RULE_DELETE "
                                      "failed (Invalid argument)\n", "")})
    result = outcome(neutron_agent.test_agent_loop, bad, ctx)
    assert not result.ok
    assert "logged 3 ERROR line(s)" in result.message and "RULE_DELETE" in result.message
    good = FakeHost({"date +%s": timing, "python3 -c": (0, "0\n", "")})
    assert outcome(neutron_agent.test_agent_loop, good, ctx).ok


def test_a_failed_state_report_and_its_traceback_do_not_count(tmp_path: Path) -> None:
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now - 60))
    other = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now - 30))
    path = tmp_path / "agent.log"
    path.write_text(
        f"{stamp}.512 42 ERROR neutron.agent._common_agent [-] Failed reporting state!: "
        "oslo_messaging.rpc.client.RemoteError: DBConnectionError\n"
        f"{stamp}.512 42 ERROR neutron.agent._common_agent Traceback (most recent call last):\n"
        f"{stamp}.512 42 ERROR neutron.agent._common_agent   File \"x.py\", line 1\n"
        f"{other}.101 42 ERROR neutron.agent.linux.utils Exit code: 4; Cmd: ['ebtables']\n")
    out = _recent(path, now - 300)
    assert out[0] == "1" and "ebtables" in out[1]

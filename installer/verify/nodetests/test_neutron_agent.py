"""The L2 agent does its work, not only its heartbeat.

An agent can report alive to neutron-server while its loop fails on every port it should
wire (seen on the lab: ebtables rule deletions failing, every new server stuck in BUILD,
`network agent list` all smiles). The loop logs each failure as an ERROR line, so the agent's
log since it started, but no older than a few minutes, is read for them.

One ERROR is not a broken loop: when every node restarts, the agents' first RPC calls time
out while neutron-server is still starting (one ``MessagingTimeout`` ERROR with its
traceback), then the loop resyncs and runs on. So an agent whose last loop ERROR is followed
by healthy iterations, and is no longer recent, has *recovered* and passes (the message says
so); one still logging ERRORs, or with no loop progress since its last one, is *stalled* and
fails. Loop progress in the log, at neutron's default INFO level:

- the Open vSwitch agent ends every iteration with ``Agent rpc_loop - iteration:N completed``,
  also the one that failed. Its loop is synchronous (a failed iteration ends only when its RPC
  call timed out), so :data:`OVS_RECOVERED_ITERATIONS` of them after the ERROR prove the loop
  and its RPC calls run through again, however recent the ERROR;
- the linuxbridge agent logs nothing per iteration; after a failed one its loop resyncs and
  logs ``<type> Agent out of sync with plugin!`` before trying again: that line after the
  ERROR, and no ERROR for :data:`QUIET_S` since, prove the retry went through.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass
from typing import Any

from installer import catalogue
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import family

WHERE = "roles/neutron; /var/log/neutron/<agent>.log on the node named"
WINDOW_S = 300
#: Seconds after the agent's start during which errors are its start-up, not its loop.
GRACE_S = 60
#: A recovered loop has logged no ERROR for this long: more than oslo.messaging's default
#: RPC timeout (60 s), so a retry still waiting on the server would have failed by now.
QUIET_S = 90
#: Open vSwitch: iterations ended after the last ERROR (the failed one's own end included)
#: that make it a recovered loop: four healthy ones, about 8 s at its 2 s polling interval.
OVS_RECOVERED_ITERATIONS = 5


def agent_unit(host: Any, ctx: CheckContext) -> str:
    """The L2 agent's unit for the mechanism driver (the catalogue's neutron_<driver>_agent)."""
    driver = str(ctx.var("neutron_mechanism_driver", "linuxbridge"))
    return catalogue.load().components[f"neutron_{driver}_agent"].units[family(host)][0]

# Reads a neutron agent log (argv[1]) and prints one JSON object: the loop's ERROR lines newer
# than argv[2] (epoch seconds; their count, and the first line of the last ERROR record, the
# one with its message, not its traceback's tail, with its time), and what the loop
# logged after that last ERROR (iterations completed, resyncs started). A failed state report
# ("Failed reporting state!", with its traceback: the lines of one record share its time stamp
# and pid) is the server's outage, not the loop's failure: `api network agents` reports that
# one, so it is left out here.
LOOP_LOG = (
    "import sys, time, collections, json\n"
    "since = float(sys.argv[2]); found = []; reports = set(); marks = []\n"
    "try: lines = collections.deque(open(sys.argv[1], errors='replace'), 20000)\n"
    "except OSError as e: print('unreadable:', e); sys.exit(2)\n"
    "for n, line in enumerate(lines):\n"
    "    try: t = time.mktime(time.strptime(line[:19], '%Y-%m-%d %H:%M:%S'))\n"
    "    except ValueError: continue\n"
    "    if ' ERROR ' not in line:\n"
    "        if 'rpc_loop - iteration:' in line and ' completed' in line: marks.append((n, 'c'))\n"
    "        elif 'Agent out of sync with plugin' in line: marks.append((n, 'r'))\n"
    "        continue\n"
    "    key = tuple(line.split()[:3])\n"
    "    if 'Failed reporting state' in line: reports.add(key)\n"
    "    if t >= since: found.append((n, t, key, line.rstrip()))\n"
    "out = [f for f in found if f[2] not in reports]\n"
    "last = out[-1] if out else (-1, 0.0, None, '')\n"
    "text = next((f[3] for f in out if f[2] == last[2]), '')\n"
    "after = [kind for n, kind in marks if n > last[0]]\n"
    "print(json.dumps({'errors': len(out), 'last': text, 'last_at': last[1],\n"
    "    'now': time.time(), 'completed_after': after.count('c'),\n"
    "    'resyncs_after': after.count('r'), 'logs_iterations': any(k == 'c' for _, k in marks)}))\n"
)


@dataclass(frozen=True)
class LoopLog:
    """What :data:`LOOP_LOG` found in an agent's log."""

    errors: int
    last: str = ""
    last_at: float = 0.0
    now: float = 0.0
    completed_after: int = 0
    resyncs_after: int = 0
    logs_iterations: bool = False

    @property
    def quiet_s(self) -> float:
        """Seconds since the last loop ERROR."""
        return self.now - self.last_at

    @property
    def progressed(self) -> bool:
        """The loop ran through an iteration after its last ERROR."""
        if self.logs_iterations:  # Open vSwitch: the failed iteration logs its own end
            return self.completed_after >= 2
        return self.resyncs_after >= 1

    @property
    def recovered(self) -> bool:
        """Progress after the last ERROR that proves the loop works again: for Open vSwitch
        enough ended iterations, for linuxbridge a resync and :data:`QUIET_S` without one."""
        if self.logs_iterations:
            return self.completed_after >= OVS_RECOVERED_ITERATIONS
        return self.progressed and self.quiet_s >= QUIET_S


def since(now: float, started: float) -> float:
    """The oldest moment whose errors count: the window, after the start-up grace."""
    return max(now - WINDOW_S, started + GRACE_S)


def judge(found: LoopLog, unit: str) -> tuple[bool, str]:
    """Passed or not, and what the operator reads: recovered or stalled, and why."""
    minutes = WINDOW_S // 60
    if not found.errors:
        return True, f"{unit}: no ERROR in its loop in the last {minutes} minutes"
    when = time.strftime("%H:%M:%S", time.localtime(found.last_at))
    last = found.last[-300:]
    counted = f"{found.errors} ERROR line(s) in the last {minutes} minutes"
    if found.recovered:
        runs = (f"{found.completed_after - 1} loop iteration(s)" if found.logs_iterations
                else "a resync")
        return True, (f"{unit} recovered: {counted}, the last at {when}, then {runs} without "
                      f"one; last: {last}")
    if found.progressed and found.logs_iterations:
        why = (f"recovering: {found.completed_after - 1} loop iteration(s) since its last ERROR "
               f"at {when}, fewer than {OVS_RECOVERED_ITERATIONS - 1} ({counted})")
    elif found.quiet_s < QUIET_S:
        why = (f"still logging ERRORs ({counted}, the last {found.quiet_s:.0f} s ago; it may "
               "report alive and still not wire ports)")
    else:
        why = (f"stalled: no loop iteration since its last ERROR at {when} ({counted}; it may "
               "report alive and still not wire ports)")
    return False, f"{unit} {why}; last: {last}"


@check("neutron L2 agent loop", groups=("neutron_l2_agent",), where=WHERE)
def test_agent_loop(host: Any, ctx: CheckContext) -> None:
    unit = agent_unit(host, ctx)
    log = f"/var/log/neutron/{unit}.log"
    stamp = host.run(f"date +%s; systemctl show -p ActiveEnterTimestampMonotonic "
                     f"--value {unit}; cat /proc/uptime")
    try:
        now_s, active_us, uptime = stamp.stdout.split()[:3]
        started = float(now_s) - float(uptime) + float(active_us) / 1e6
    except ValueError:
        fail(f"cannot tell when {unit} started: {stamp.stdout.strip()!r}")
    first = since(float(now_s), started)
    got = host.run(f"python3 -c {shlex.quote(LOOP_LOG)} {shlex.quote(log)} {first:.0f}")
    try:
        found = LoopLog(**json.loads(got.stdout))
    except (ValueError, TypeError):
        fail(f"{log}: {got.stdout.strip() or got.stderr.strip() or 'no answer'}")
    ok, message = judge(found, unit)
    if not ok:
        fail(message)
    ctx.passed(message)

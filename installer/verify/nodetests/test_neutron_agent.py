"""The L2 agent does its work, not only its heartbeat.

An agent can report alive to neutron-server while its loop fails on every port it should
wire (seen on the lab: ebtables rule deletions failing, every new server stuck in BUILD,
`network agent list` all smiles). The loop logs each failure as an ERROR line, so the
agent's log since it started, but no older than a few minutes, must be free of them.
"""

from __future__ import annotations

import shlex
from typing import Any

from installer import catalogue
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import family

WHERE = "roles/neutron; /var/log/neutron/<agent>.log on the node named"
WINDOW_S = 300
#: Seconds after the agent's start during which errors are its start-up, not its loop.
GRACE_S = 60


def agent_unit(host: Any, ctx: CheckContext) -> str:
    """The L2 agent's unit for the mechanism driver (the catalogue's neutron_<driver>_agent)."""
    driver = str(ctx.var("neutron_mechanism_driver", "linuxbridge"))
    return catalogue.load().components[f"neutron_{driver}_agent"].units[family(host)][0]

# Prints the number of ERROR lines of a neutron log newer than argv[2] (epoch seconds), then
# the last one. A failed state report ("Failed reporting state!", with its traceback: the
# lines of one record share its time stamp and pid) is the server's outage, not the loop's
# failure: `api network agents` reports that one, so it is left out here.
RECENT_ERRORS = (
    "import sys, time, collections\n"
    "since = float(sys.argv[2]); found = []; reports = set()\n"
    "try: lines = collections.deque(open(sys.argv[1], errors='replace'), 5000)\n"
    "except OSError as e: print('unreadable:', e); sys.exit(2)\n"
    "for line in lines:\n"
    "    try: t = time.mktime(time.strptime(line[:19], '%Y-%m-%d %H:%M:%S'))\n"
    "    except ValueError: continue\n"
    "    if t < since or ' ERROR ' not in line: continue\n"
    "    key = tuple(line.split()[:3])\n"
    "    if 'Failed reporting state' in line: reports.add(key)\n"
    "    found.append((key, line.rstrip()))\n"
    "out = [text for key, text in found if key not in reports]\n"
    "print(len(out)); print('\\n'.join(out[-1:]))\n"
)


def since(now: float, started: float) -> float:
    """The oldest moment whose errors count: the window, after the start-up grace."""
    return max(now - WINDOW_S, started + GRACE_S)


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
    got = host.run(f"python3 -c {shlex.quote(RECENT_ERRORS)} {shlex.quote(log)} {first:.0f}")
    lines = got.stdout.strip().splitlines()
    if got.rc != 0 or not lines:
        fail(f"{log}: {got.stdout.strip() or got.stderr.strip() or 'no answer'}")
    count = int(lines[0])
    if count:
        last = lines[1][-300:] if len(lines) > 1 else ""
        fail(f"{unit} logged {count} ERROR line(s) in its loop in the last "
                      f"{WINDOW_S // 60} minutes (it may report alive and still not wire "
                      f"ports); last: {last}")
    ctx.passed(f"{unit}: no ERROR in its loop in the last {WINDOW_S // 60} minutes")

"""Check 9: the node's clock agrees with the deploy host's within CLOCK_BOUND_S.

The deploy host's time is taken just before and after asking the node; the node's answer
is compared with the midpoint, and half the round trip is allowed on top of the bound.
"""

from __future__ import annotations

from installer.preflight.checks.context import Context
from installer.preflight.facts import ClockSample
from installer.preflight.findings import Finding, failed, passed

CLOCK_BOUND_S = 5.0


def skew(sample: ClockSample) -> tuple[float, float] | None:
    """(node minus deploy host in seconds, uncertainty), or None when unreadable."""
    try:
        remote = float(sample.remote)
    except ValueError:
        return None
    return remote - (sample.before + sample.after) / 2, (sample.after - sample.before) / 2


def clock(ctx: Context) -> list[Finding]:
    name = ctx.node.name
    expected = f"within {CLOCK_BOUND_S:g} s of the deploy host"
    sample = ctx.probe.clock
    measured = skew(sample) if sample else None
    if measured is None:
        shown = sample.remote if sample else "nothing"
        return [failed(name, "clock", f"date +%s.%N printed {shown!r}", expected,
                       "check that date works on the node")]
    offset, uncertainty = measured
    ahead = "ahead of" if offset > 0 else "behind"
    found = f"{abs(offset):.2f} s {ahead} the deploy host (±{uncertainty:.2f} s)"
    if abs(offset) - uncertainty <= CLOCK_BOUND_S:
        return [passed(name, "clock", found, expected)]
    return [failed(name, "clock", found, expected,
                   f"synchronise the clocks of {name} and the deploy host (chrony or "
                   "systemd-timesyncd on both, from the same NTP servers)")]

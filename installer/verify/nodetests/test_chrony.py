"""Time: the controller serves the management network, every other node follows it."""

from __future__ import annotations

import shlex
from typing import Any

from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import first_unit, inactive

WHERE = "roles/chrony, /etc/chrony/chrony.conf"
_UNITS = ("chrony", "chronyd")


@check("chrony running", groups=("chrony_server", "chrony_client"), where=WHERE)
def test_chrony_running(host: Any, ctx: CheckContext) -> None:
    unit = first_unit(host, _UNITS)
    if unit is None:
        fail("chrony is not installed")
    if problem := inactive(host, unit):
        fail(problem)
    ctx.passed(f"{unit} active")


@check("chrony follows controller", groups=("chrony_client",), where=WHERE)
def test_chrony_follows_controller(host: Any, ctx: CheckContext) -> None:
    controller = ctx.controller_address
    sources = host.run("chronyc -n sources")
    line = next(
        (ln for ln in sources.stdout.splitlines() if controller and f" {controller} " in f"{ln} "),
        None,
    )
    if line is None:
        fail(f"chronyc sources does not list the controller {controller}")
    fields = line.split()
    reach = fields[4] if len(fields) > 4 else "0"
    if reach == "0":
        fail(f"controller {controller} is a source but never answered (reach 0)")
    tracking = host.run("chronyc -n tracking").stdout
    ref = next((ln for ln in tracking.splitlines() if ln.startswith("Reference ID")), "")
    if controller not in ref:
        fail(
            f"tracking {ref.split(':', 1)[-1].strip() or 'nothing'}, expected the controller "
            f"{controller}"
        )
    ctx.passed(f"tracking {controller}")


@check("chrony serves network", groups=("chrony_server",), where=WHERE)
def test_chrony_serves(host: Any, ctx: CheckContext) -> None:
    clients = [n for n in ctx.inventory.group("chrony_client") if n.name != ctx.node.name]
    refused = []
    for node in clients:
        result = host.run(f"chronyc -n accheck {shlex.quote(node.address)}")
        if result.rc != 0 or "allowed" not in result.stdout.lower():
            refused.append(f"{node.name} ({node.address})")
    if refused:
        fail("NTP access is not allowed for " + ", ".join(refused))
    ctx.passed(f"serves {len(clients)} clients")

"""Run the planned checks, one thread per node, and collect masked results."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from installer.verify.context import CheckContext
from installer.verify.inventory import Inventory, NodeInfo
from installer.verify.registry import Check

PASS = "pass"
FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    check: str
    node: str
    status: str
    message: str
    where: str = ""
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == PASS

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_s"] = round(self.duration_s, 3)
        return data


HostFactory = Callable[[NodeInfo, Path], Any]


def _run_check(
    host: Any, check: Check, ctx: CheckContext, mask: Callable[[str], str]
) -> CheckResult:
    started = time.monotonic()
    try:
        outcome = check.func(host, ctx)
        status, message = (PASS if outcome.ok else FAIL), outcome.message
    except Exception as exc:  # a crashed check is a failed check, reported, not raised
        status, message = FAIL, f"check could not run: {_describe(exc)}"
    return CheckResult(
        check=check.name,
        node=ctx.node.name,
        status=status,
        message=mask(message),
        where=check.where,
        duration_s=time.monotonic() - started,
    )


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    # testinfra raises RuntimeError(CommandResult) when ssh itself fails (exit 255).
    stderr = getattr(exc.args[0], "stderr", None) if exc.args else None
    if stderr:
        text = f"SSH failed: {str(stderr).strip().splitlines()[-1]}"
    return text.splitlines()[-1] if text else type(exc).__name__


def _run_node(
    node: NodeInfo,
    checks: Sequence[Check],
    inventory: Inventory,
    secrets: Mapping[str, str],
    make_host: HostFactory,
    sockets: Path,
    mask: Callable[[str], str],
) -> list[CheckResult]:
    ctx = CheckContext(node=node, inventory=inventory, secrets=secrets)
    try:
        host = make_host(node, sockets / node.name)
        reach = host.run("true")
        if reach.rc != 0:
            raise RuntimeError(reach)
    except Exception as exc:
        reason = mask(f"cannot reach {node.name} over SSH: {_describe(exc)}")
        return [CheckResult(c.name, node.name, FAIL, reason, c.where) for c in checks]
    return [_run_check(host, check, ctx, mask) for check in checks]


def run_checks(
    plan: Mapping[str, Sequence[Check]],
    inventory: Inventory,
    secrets: Mapping[str, str],
    make_host: HostFactory,
    sockets: Path,
    mask: Callable[[str], str],
) -> list[CheckResult]:
    """Every planned check on every node, nodes in parallel; results in plan order."""
    nodes = [inventory.node(name) for name in plan]
    if not nodes:
        return []
    with ThreadPoolExecutor(max_workers=min(len(nodes), 16)) as pool:
        futures = [
            pool.submit(_run_node, n, plan[n.name], inventory, secrets, make_host, sockets, mask)
            for n in nodes
        ]
        return [result for future in futures for result in future.result()]

"""``verify()``: plan the checks for each node from the rendered inventory, run, report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from installer.runner.secrets import Masker, load_secret_values
from installer.verify.connect import control_dir, make_host
from installer.verify.execute import CheckResult, run_checks
from installer.verify.inventory import Inventory, NodeInfo, read_inventory
from installer.verify.registry import Check, load_builtin_checks, plan


@dataclass(frozen=True)
class VerifyOutcome:
    results: list[CheckResult]
    nodes: list[str]

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]


def _host_for(node: NodeInfo, socket: Path) -> object:
    return make_host(node.connection, socket)


def verify_deploy_dir(
    deploy_dir: Path,
    checks: list[Check] | None = None,
    limit: set[str] | None = None,
) -> VerifyOutcome:
    """Run every applicable check against the nodes of a rendered deployment directory."""
    inventory: Inventory = read_inventory(deploy_dir)
    secrets = load_secret_values(deploy_dir)
    mask = Masker(secrets.values())
    memberships = {
        n.name: n.groups for n in inventory.nodes if limit is None or n.name in limit
    }
    schedule = plan(checks if checks is not None else load_builtin_checks(), memberships)
    with control_dir() as sockets:
        results = run_checks(schedule, inventory, secrets, _host_for, sockets, mask)
    return VerifyOutcome(results, sorted(memberships))

"""The deployment phases, in order, and which of them a command line selects."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import installer
from installer.errors import UsageError

#: Phase names in the order ``playbooks/site.yml`` imports them.
PHASES: tuple[str, ...] = ("bootstrap", "infra", "ceph", "services", "post")


def playbooks_dir() -> Path:
    return installer.PROJECT_ROOT / "playbooks"


def roles_dir() -> Path:
    return installer.PROJECT_ROOT / "roles"


def playbook_for(phase: str, directory: Path | None = None) -> Path:
    return (directory or playbooks_dir()) / f"{phase}.yml"


def _check_name(name: str, option: str) -> None:
    if name not in PHASES:
        raise UsageError(
            f"unknown phase {name!r} for {option}",
            hint=f"choose one of: {', '.join(PHASES)}",
        )


def select_phases(only: Sequence[str] = (), start: str | None = None) -> list[str]:
    """Phases to run, in deployment order.

    ``only`` (``--phase``, repeatable) picks exactly those phases; ``start`` (``--from``)
    picks that phase and every later one. Neither: all phases.
    """
    if only and start:
        raise UsageError(
            "--phase and --from cannot be combined",
            hint="use --phase NAME (repeatable) for chosen phases, or --from NAME to resume",
        )
    for name in only:
        _check_name(name, "--phase")
    if start:
        _check_name(start, "--from")
        return list(PHASES[PHASES.index(start) :])
    if only:
        return [p for p in PHASES if p in set(only)]
    return list(PHASES)

"""Checks as data: each names the inventory groups it applies to and where to look on failure.

A check function takes a testinfra host and a :class:`CheckContext` and returns an
:class:`Outcome`. Modules under ``installer.verify.checks`` register theirs with
:func:`check`; this module never imports them (``installer.verify.checks.builtin_checks``
does), so the checks can import it without an import cycle.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from installer.verify.context import CheckContext


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def passed(message: str = "") -> Outcome:
    return Outcome(True, message)


def failed(message: str) -> Outcome:
    return Outcome(False, message)


def verdict(problems: list[str], good: str) -> Outcome:
    """Failed with every problem (``; ``-joined), or passed with ``good`` when there is none."""
    return failed("; ".join(problems)) if problems else passed(good)


CheckFunc = Callable[[Any, "CheckContext"], Outcome]


@dataclass(frozen=True)
class Check:
    """One verification, run on every node of any of ``groups``."""

    name: str
    groups: tuple[str, ...]
    func: CheckFunc
    where: str = ""

    def applies_to(self, node_groups: Iterable[str]) -> bool:
        return bool(set(self.groups) & set(node_groups))


REGISTRY: list[Check] = []


def check(name: str, *, groups: Iterable[str], where: str = "") -> Callable[[CheckFunc], CheckFunc]:
    """Decorator registering a check function under ``name`` for ``groups``."""

    def register(func: CheckFunc) -> CheckFunc:
        if any(c.name == name for c in REGISTRY):
            raise ValueError(f"duplicate check name {name!r}")
        REGISTRY.append(Check(name, tuple(groups), func, where))
        return func

    return register


def fails_on(error: type[Exception], prefix: str = "") -> Callable[[CheckFunc], CheckFunc]:
    """Decorator: the check fails with ``prefix`` and the error's text when it raises ``error``
    (a command it needs did not answer), instead of each check catching it."""

    def wrap(func: CheckFunc) -> CheckFunc:
        @functools.wraps(func)
        def checked(host: Any, ctx: CheckContext) -> Outcome:
            try:
                return func(host, ctx)
            except error as exc:
                return failed(f"{prefix}{exc}")

        return checked

    return wrap


def select(checks: Iterable[Check], node_groups: Iterable[str]) -> list[Check]:
    """The checks that apply to a node in ``node_groups``, in registry order."""
    groups = set(node_groups)
    return [c for c in checks if c.applies_to(groups)]


def plan(
    checks: Iterable[Check], memberships: Mapping[str, Iterable[str]]
) -> dict[str, list[Check]]:
    """node -> the checks to run there. Groups absent from the inventory run nothing."""
    checks = list(checks)
    return {node: select(checks, groups) for node, groups in memberships.items()}

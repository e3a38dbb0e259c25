"""How a node check (a pytest test of ``installer/verify/nodetests``) says what it found.

A check passes with a message (``ctx.passed(message)``), fails with one (:func:`fail`, or a
plain ``assert`` with a message), or is blocked when the host cannot run it
(:func:`blocked`: a pytest skip with its reason, shown as blocked, never as passed).
:func:`check` marks a test as a verify check: its name in the report, the inventory groups
whose nodes run it, the settings it applies to, and where to look when it fails.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from installer.verify.context import CheckContext

#: The marker every verify check carries: ``check(name, groups=(...), where="...")``.
MARK = "check"


def check(name: str, *, groups: Iterable[str], where: str = "",
          when: Mapping[str, Sequence[str]] | None = None) -> pytest.MarkDecorator:
    """Mark a test as the check ``name`` for the nodes of any of ``groups``; with ``when``
    (variable -> allowed values, as the catalogue's components), only for deployments whose
    settings meet it (e.g. the volume group only with cinder.backend loop or device)."""
    return getattr(pytest.mark, MARK)(name, groups=tuple(groups), where=where,
                                      when=dict(when or {}))


def fail(message: str) -> NoReturn:
    """The check failed: ``message`` is what the operator reads (no traceback)."""
    pytest.fail(message, pytrace=False)


def blocked(reason: str) -> NoReturn:
    """The host cannot run this check; it shows as blocked with ``reason``."""
    pytest.skip(reason)


def verdict(ctx: CheckContext, problems: list[str], good: str) -> None:
    """Fail with every problem (``; ``-joined), or pass with ``good`` when there is none."""
    if problems:
        fail("; ".join(problems))
    ctx.passed(good)


def fails_on(error: type[Exception], prefix: str = "") -> Callable[[Callable[..., Any]],
                                                                  Callable[..., Any]]:
    """Decorator: the check fails with ``prefix`` and the error's text when it raises ``error``
    (a command it needs did not answer), instead of each check catching it."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except error as exc:
                fail(f"{prefix}{exc}")

        return checked

    return wrap

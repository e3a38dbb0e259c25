"""Shared probes: a unit that is not active fails with its state and the hint."""

from __future__ import annotations

from types import SimpleNamespace

from installer.verify.probes import not_active


class FakeHost:
    """Stands in for a remote node's `systemctl is-active` answer (a remote fact)."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.commands: list[str] = []

    def run(self, command: str) -> SimpleNamespace:
        self.commands.append(command)
        return SimpleNamespace(rc=0 if self.state == "active" else 3, stdout=f"{self.state}\n",
                               stderr="")


def test_active_unit_is_no_failure() -> None:
    host = FakeHost("active")
    assert not_active(host, "mariadb") is None
    assert host.commands == ["systemctl is-active mariadb.service"]


def test_inactive_unit_names_state_and_hint() -> None:
    outcome = not_active(FakeHost("inactive"), "mariadb", " (systemctl status mariadb)")
    assert outcome is not None and not outcome.ok
    assert outcome.message == "mariadb is inactive, expected active (systemctl status mariadb)"

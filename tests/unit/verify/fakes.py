"""A stand-in for a testinfra host (remote facts from a table) and a way to run one check."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from installer.verify.context import CheckContext


class FakeHost:
    """Answers commands from a table of prefix -> (rc, stdout, stderr); stands in for SSH.

    testinfra's modules the checks use are answered through the same table:
    ``service(n)`` from ``systemctl is-active/is-enabled n``, ``file(p)`` from ``cat p``,
    ``addr(n)`` from ``getent ahostsv4 n``; ``listening`` lists ``tcp://ADDR:PORT`` sockets.
    """

    def __init__(self, answers: dict[str, tuple[int, str, str]], distro: str = "debian",
                 listening: list[str] | None = None) -> None:
        self.answers = answers
        self.system_info = SimpleNamespace(distribution=distro)
        self.commands: list[str] = []
        self.socket = SimpleNamespace(get_listening_sockets=lambda: list(listening or []))

    def run(self, command: str, *args: str) -> SimpleNamespace:
        if args:  # as testinfra: each argument quoted into the command's %s
            command = command % tuple(shlex.quote(str(a)) for a in args)
        self.commands.append(command)
        for prefix, (rc, out, err) in self.answers.items():
            if prefix in command:
                return SimpleNamespace(rc=rc, stdout=out, stderr=err)
        return SimpleNamespace(rc=127, stdout="", stderr=f"unexpected: {command}")

    def check_output(self, command: str) -> str:
        return str(self.run(command).stdout).strip()

    def exists(self, command: str) -> bool:
        return self.run(f"command -v {command}").rc == 0

    def service(self, name: str) -> SimpleNamespace:
        return SimpleNamespace(
            exists=self.run(f"systemctl cat {name}").rc == 0,
            is_running=self.run(f"systemctl is-active {name}").rc == 0,
            is_enabled=self.run(f"systemctl is-enabled {name}").rc == 0)

    def file(self, path: str) -> SimpleNamespace:
        return SimpleNamespace(content_string=self.run(f"cat {path}").stdout)

    def addr(self, name: str) -> SimpleNamespace:
        out = self.run(f"getent ahostsv4 {name}").stdout
        return SimpleNamespace(
            ipv4_addresses=sorted({line.split()[0] for line in out.splitlines() if line}))


def outcome(check: Callable[..., None], host: Any, ctx: CheckContext,
            *args: Any) -> SimpleNamespace:
    """Run one check as pytest would: ``ok`` and the message it passed or failed with."""
    said: list[str] = []
    mine = CheckContext(node=ctx.node, inventory=ctx.inventory, secrets=ctx.secrets,
                        record=said.append)
    try:
        check(host, mine, *args)
    except pytest.fail.Exception as exc:
        return SimpleNamespace(ok=False, message=str(exc.msg))
    return SimpleNamespace(ok=True, message=said[-1] if said else "")


class Scripted:
    """A host that answers commands by the first matching fragment; records every command.

    ``(fragment, rc, value)``: a value that is not a string is printed as JSON.
    """

    def __init__(self, answers: list[tuple[str, int, object]]) -> None:
        self.answers = answers
        self.commands: list[str] = []

    def run(self, command: str) -> SimpleNamespace:
        self.commands.append(command)
        for fragment, rc, value in self.answers:
            if fragment in command:
                out = value if isinstance(value, str) else json.dumps(value)
                return SimpleNamespace(rc=rc, stdout=out if rc == 0 else "",
                                       stderr="" if rc == 0 else str(value))
        return SimpleNamespace(rc=0, stdout="", stderr="")

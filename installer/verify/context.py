"""What a check knows besides its host: the node, the deployment's variables, secrets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from installer.verify.inventory import Inventory, NodeInfo


def _ignore(message: str) -> None:
    del message


@dataclass(frozen=True)
class CheckContext:
    node: NodeInfo
    inventory: Inventory
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: Where a passing check's message goes (the pytest plugin records it with the result).
    record: Callable[[str], None] = field(default=_ignore, repr=False, compare=False)

    def var(self, name: str, default: Any = None) -> Any:
        return self.inventory.variables.get(name, default)

    def secret(self, name: str) -> str:
        value = self.secrets.get(name)
        if not value:
            raise KeyError(f"secret {name} is not in the rendered secrets file")
        return value

    def passed(self, message: str = "") -> None:
        """The check passed; ``message`` says what it saw."""
        self.record(message)

    @property
    def controller_address(self) -> str:
        return str(self.var("deployment_controller_address", ""))

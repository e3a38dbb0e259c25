"""What a check knows besides its host: the node, the deployment's variables, secrets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from installer.verify.inventory import Inventory, NodeInfo


@dataclass(frozen=True)
class CheckContext:
    node: NodeInfo
    inventory: Inventory
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

    def var(self, name: str, default: Any = None) -> Any:
        return self.inventory.variables.get(name, default)

    def secret(self, name: str) -> str:
        value = self.secrets.get(name)
        if not value:
            raise KeyError(f"secret {name} is not in the rendered secrets file")
        return value

    @property
    def controller_address(self) -> str:
        return str(self.var("deployment_controller_address", ""))

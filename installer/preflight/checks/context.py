"""What a check gets: the deployment, the node and what was collected from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from installer.answers.model import Deployment, Node
from installer.preflight.facts import NodeFacts, NodeProbe
from installer.preflight.findings import Finding
from installer.preflight.platforms import Platform, parse_os_release


@dataclass(frozen=True)
class Context:
    deployment: Deployment
    node: Node
    probe: NodeProbe
    facts: NodeFacts

    @cached_property
    def platform(self) -> Platform:
        return parse_os_release(self.facts.os_release)


Check = Callable[[Context], list[Finding]]

"""The checks: pure functions from a node's collected facts to findings.

Each module holds the checks of one concern; :func:`evaluate` runs them all for one node,
:func:`identity.unique_machines` compares nodes.
"""

from __future__ import annotations

from installer.answers.model import Deployment, Node
from installer.preflight.checks import (
    access,
    clock,
    devices,
    identity,
    local,
    platform,
    ports,
    resources,
)
from installer.preflight.checks.context import Check, Context
from installer.preflight.facts import NodeProbe
from installer.preflight.findings import Finding

CHECKS: tuple[Check, ...] = (
    access.root_or_sudo,
    platform.os_and_release,
    platform.python3,
    resources.cpus,
    resources.memory,
    resources.disk,
    devices.kvm,
    devices.provider_interface,
    devices.block_devices,
    identity.hostname,
    identity.address,
    identity.public_address,
    clock.clock,
    ports.ports,
    local.local_changes,
)


def evaluate(deployment: Deployment, node: Node, probe: NodeProbe) -> list[Finding]:
    """Every finding for one node: the login, then (when logged in) every check."""
    login = access.login(deployment, node, probe)
    if probe.login_error or probe.facts is None:
        return [login]
    ctx = Context(deployment, node, probe, probe.facts)
    return [login, *(finding for check in CHECKS for finding in check(ctx))]

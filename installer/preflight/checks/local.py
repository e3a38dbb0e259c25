"""Check 14: what a deploy changes on the machine stackinstall runs on (``connection: local``).

A local node is this machine: the deploy installs and starts the packages and services of
every role of the node here, and the provider bridge takes over the provider interface.
Preflight warns with these lines; ``deploy`` shows them again and asks before it starts.
"""

from __future__ import annotations

from installer import catalogue
from installer.answers.model import Deployment, Node
from installer.preflight.checks.context import Context
from installer.preflight.findings import Finding, warned
from installer.render import group_vars
from installer.render.groups import inventory_groups

CHECK = "local node"
_FAMILY = "debian"  # the names shown; other families differ only in spelling


def changes(deployment: Deployment, node: Node) -> dict[str, str]:
    """What the deploy changes on ``node``'s machine: concern -> one line."""
    cat = catalogue.load(deployment.release)
    settings = group_vars(deployment)
    packages: dict[str, None] = {}
    units: dict[str, None] = {}
    for group, members in inventory_groups(deployment).items():
        if node.name not in members:
            continue
        for comp in cat.in_group(group, settings):
            packages.update(dict.fromkeys(comp.packages.get(_FAMILY, ())))
            units.update(dict.fromkeys(comp.units.get(_FAMILY, ())))
    interface = deployment.network.provider_interface
    upgrade = {"first": "a full upgrade on the first deploy",
               "always": "a full upgrade on every deploy",
               "never": "no full upgrade"}[deployment.repos.upgrade]
    return {
        "packages": f"installs {len(packages)} packages and their dependencies "
                    f"({', '.join(list(packages)[:6])}, ...), with {upgrade} "
                    "(repos.upgrade), and writes /etc/hosts, chrony and locale settings",
        "services": f"enables and starts {len(units)} services ({', '.join(units)})",
        "provider interface": f"the provider bridge takes over {interface} "
                              "(network.provider_interface): its addresses and traffic move "
                              "to the bridge; do not name the interface you reach this "
                              "machine by",
    }


def local_changes(ctx: Context) -> list[Finding]:
    """A warning per concern for the node that is this machine; nothing for SSH nodes."""
    if not ctx.node.local:
        return []
    return [warned(ctx.node.name, f"{CHECK}: {concern}", line,
                   "a machine meant to become this cloud's node",
                   "run it on a machine you mean to dedicate to the cloud; deploy asks "
                   "before it starts (--yes answers for it)")
            for concern, line in changes(ctx.deployment, ctx.node).items()]

"""The lab cache of a VM node: which packages its image gets pre-installed (pure planning).

A VM under TCG installs packages about 11 times slower than the host. So the packages of a
VM node's roles are installed into its image on the host at native speed
(``vmimage.install_layer``), and its overlay is based on that image variant. The deploy still
runs every install step: it finds the packages present.

The package set is not a second list: it is what the deploy's bootstrap phase installs on
the node, read from the service catalogue through the rendered deployment the lab's answer
file describes (inventory groups, then the components its settings select).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from installer import catalogue
from installer.answers.model import Deployment
from installer.errors import AnswerFileError

#: The distro family of the lab's nodes (Debian).
FAMILY = "debian"


def planned_deployment(nodes: list[tuple[str, str, tuple[str, ...]]],
                       settings: Mapping[str, Any]) -> Deployment:
    """The deployment the lab's answer file will describe, built in memory (no file, no
    secrets), from the nodes (name, address, roles) and the lab's settings."""
    from installer.answers import build
    from installer.answers.generate import NodeSpec, render_text
    from installer.answers.source import parse
    from installer.answers.validate import validate

    path = Path("(lab answer file)")
    src = parse(path, render_text([NodeSpec(n, a, r) for n, a, r in nodes], settings))
    merged = validate(src)
    if merged is None or src.problems:
        raise AnswerFileError("the lab's own answer file does not validate", src.problems)
    return build(path, Path("(no secrets)"), merged, {})


def _components(dep: Deployment, node: str) -> list[catalogue.Component]:
    from installer.render import group_vars
    from installer.render.groups import inventory_groups

    cat = catalogue.load(dep.release)
    settings = group_vars(dep)
    return [comp for group, members in inventory_groups(dep).items() if node in members
            for comp in cat.in_group(group, settings)]


def node_packages(dep: Deployment, node: str, family: str = FAMILY) -> tuple[str, ...]:
    """The catalogue packages of ``node``'s components, sorted, each once."""
    return tuple(sorted({p for comp in _components(dep, node)
                         for p in comp.packages.get(family, ())}))


def node_units(dep: Deployment, node: str, family: str = FAMILY) -> tuple[str, ...]:
    """The units the roles start on ``node``: the layer leaves them disabled, so that the
    VM does not start them with the packages' default configuration before the deploy."""
    return tuple(sorted({u for comp in _components(dep, node)
                         for u in comp.units.get(family, ())}))

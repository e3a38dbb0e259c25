"""Preflight fixtures: a validated four-node deployment, and facts from real probe output.

``data/probe-<node>.txt`` is the probe script's output captured on a four-node lab
(openstack1 with ``python3 -m http.server 9292`` running; openstack4 asked about
/dev/null and /dev/sdz); ``data/devices-host.txt`` the device section run on this host.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from installer.answers import build, check
from installer.answers.model import Deployment, Node
from installer.preflight.checks.context import Context
from installer.preflight.facts import Access, ClockSample, NodeFacts, NodeProbe
from installer.preflight.probe import parse

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).resolve().parents[3] / "answers" / "four-node.yml"


def probe_text(node: str) -> str:
    return (DATA / f"probe-{node}.txt").read_text()


def facts_of(node: str) -> NodeFacts:
    return parse(probe_text(node))


def make_deployment(tmp_path: Path, **changes: Any) -> Deployment:
    """answers/four-node.yml with ``section={key: value}`` changes, validated (no secrets)."""
    data = yaml.safe_load(SAMPLE.read_text())
    for section, values in changes.items():
        if isinstance(values, dict):
            data.setdefault(section, {}).update(values)
        else:
            data[section] = values
    path = tmp_path / "answers.yml"
    path.write_text(yaml.safe_dump(data))
    merged, spath, _values, problems = check(path, with_secrets=False)
    assert not problems, problems
    assert merged is not None
    return build(path, spath, merged, {})


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    return make_deployment(tmp_path)


def node(dep: Deployment, name: str) -> Node:
    return next(n for n in dep.nodes if n.name == name)


def context(dep: Deployment, name: str, facts: NodeFacts | None = None,
            **probe_fields: Any) -> Context:
    """A check's context for ``name`` with the captured facts of the same lab node."""
    facts = facts or facts_of(name)
    fields: dict[str, Any] = {"access": Access(0), "host_key": f"ssh-ed25519 key-of-{name}",
                              "clock": ClockSample("100.0", 99.9, 100.1), **probe_fields}
    probe = NodeProbe(name, facts=facts, **fields)
    return Context(dep, node(dep, name), probe, facts)


def with_facts(facts: NodeFacts, **changes: Any) -> NodeFacts:
    return dataclasses.replace(facts, **changes)

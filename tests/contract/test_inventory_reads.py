"""Contract: what verify and the smoke read from the rendered inventory, render writes.

They read settings with ``inventory.variables.get(NAME, default)``; a name render never
writes would silently fall back to the default (the smoke would, say, treat an Open vSwitch
deployment as linuxbridge). Every such name must be one of the inventory's variables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from installer.answers import load
from installer.render import render
from installer.verify.inventory import read_inventory

ROOT = Path(__file__).resolve().parents[2]
READERS = [ROOT / "installer" / "verify" / "verify.py",
           ROOT / "installer" / "testbed" / "smoke" / "entry.py"]
READ = re.compile(r"""inventory\.variables\.get\(\s*["']([a-z_]+)["']""")


def _names(path: Path) -> list[str]:
    return READ.findall(path.read_text())


@pytest.mark.parametrize("reader", READERS, ids=lambda p: p.name)
def test_every_setting_read_from_the_inventory_is_rendered(reader: Path, four_node: Path,
                                                          tmp_path: Path) -> None:
    names = _names(reader)
    assert names, f"{reader} reads no inventory variable: the pattern is out of date"
    out = tmp_path / "deploy"
    render(load(four_node), out)
    rendered = read_inventory(out).variables
    assert sorted(set(names) - set(rendered)) == []


def test_the_smoke_reads_the_mechanism_driver() -> None:
    assert "neutron_mechanism_driver" in _names(READERS[1])

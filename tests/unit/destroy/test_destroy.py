"""destroy: nothing without the deployment's name; afterwards only runs/ is left here."""

from __future__ import annotations

from pathlib import Path

import pytest

from installer.destroy import destroy as module
from installer.errors import UsageError


def test_nothing_happens_without_the_deployments_name(four_node: Path, monkeypatch):
    ran = []
    monkeypatch.setattr(module, "run_phases", lambda *a, **k: ran.append(a))
    with pytest.raises(UsageError) as caught:
        module.destroy(four_node, "")
    assert "confirm with --confirm openstack" in str(caught.value.hint)
    with pytest.raises(UsageError):
        module.destroy(four_node, "openstack2")
    assert ran == []


def test_the_generated_files_go_and_the_operators_stay(four_node: Path, monkeypatch):
    ran = []
    monkeypatch.setattr(module, "run_phases",
                        lambda deploy_dir, phases, options, console: ran.append(
                            (phases, options.cmdline())))
    secrets = four_node.with_name("four-node.secrets.yml")
    before = (four_node.read_text(), secrets.read_text())
    paths = module.destroy(four_node, "openstack")
    assert ran == [(["destroy"], "-e destroy_confirm=openstack")]
    (paths.runs / "20261122T000000Z").mkdir(parents=True)
    paths.clouds_yaml.write_text("x")
    module.destroy(four_node, "openstack")  # again: idempotent here too
    assert not paths.inventory.exists() and not paths.clouds_yaml.exists()
    assert [p.name for p in paths.root.iterdir() if not p.name.startswith(".")] == ["runs"]
    assert (four_node.read_text(), secrets.read_text()) == before

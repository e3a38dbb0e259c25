"""Which nodes the smoke uses, and the storage probe's kernel check."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from installer.answers import load
from installer.render import render
from installer.testbed.smoke.plan import plan, storage_probe
from installer.verify.inventory import read_inventory


def test_the_plan_reads_the_rendered_inventory(four_node: Path, tmp_path: Path) -> None:
    deploy_dir = render(load(four_node), tmp_path / "deploy").out_dir
    controller, computes, storage = plan(read_inventory(deploy_dir))
    assert controller == "openstack1"
    assert computes and storage
    assert controller not in computes


def test_lvm_needs_device_mapper_and_ceph_needs_nothing() -> None:
    def host(has_dm: bool) -> SimpleNamespace:
        return SimpleNamespace(run=lambda c: SimpleNamespace(
            rc=0 if has_dm or "proc/misc" not in c else 1, stdout="6.1.0-test\n"))

    assert storage_probe(lambda n: host(True))("openstack4") is None
    reason = storage_probe(lambda n: host(False))("openstack4")
    assert reason is not None and "no device-mapper" in reason and "6.1.0-test" in reason
    assert storage_probe(lambda n: host(False), "ceph")("openstack4") is None

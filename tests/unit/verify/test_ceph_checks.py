"""Ceph's checks judge the monitor's answers (faked here) as an operator would.

The live behaviour (a stopped OSD, an unhealthy cluster) is in tests/e2e/test_deploy.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from installer.answers import load
from installer.render import render
from installer.verify.context import CheckContext
from installer.verify.inventory import read_inventory
from installer.verify.nodetests import test_ceph as ceph
from installer.verify.nodetests import test_openstack_api as openstack_api
from tests.unit.verify.fakes import FakeHost, outcome


@pytest.fixture
def ceph_ctx(four_node: Path, tmp_path: Path) -> CheckContext:
    text = four_node.read_text().replace("  backend: loop", "  backend: ceph")
    four_node.write_text(text)
    out = render(load(four_node), tmp_path / "deploy").out_dir
    inventory = read_inventory(out)
    return CheckContext(node=inventory.node("openstack4"), inventory=inventory)


def _json(value: object) -> tuple[int, str, str]:
    return (0, json.dumps(value), "")


def test_the_storage_node_holds_the_monitor_and_the_osd(ceph_ctx: CheckContext) -> None:
    inv = ceph_ctx.inventory
    assert [n.name for n in inv.group("ceph_mon")] == ["openstack4"]
    assert [n.name for n in inv.group("ceph_osd")] == ["openstack4"]
    assert sorted(n.name for n in inv.group("ceph_client")) == ["openstack3", "openstack4"]
    assert ceph.expected_osds(ceph_ctx) == 1


def test_an_unhealthy_cluster_names_its_health_checks(ceph_ctx: CheckContext) -> None:
    health = {"status": "HEALTH_WARN", "checks": {
        "OSD_DOWN": {"summary": {"message": "1 osds down"}}}}
    result = outcome(ceph.test_cluster_health, FakeHost({"health detail": _json(health)}), ceph_ctx)
    assert not result.ok
    assert result.message == "HEALTH_WARN: OSD_DOWN: 1 osds down"
    ok = outcome(ceph.test_cluster_health,
                 FakeHost({"health detail": _json({"status": "HEALTH_OK"})}),
                             ceph_ctx)
    assert ok.ok


def test_a_stopped_osd_is_named_with_its_node(ceph_ctx: CheckContext) -> None:
    tree = {"nodes": [{"id": -2, "type": "host", "name": "openstack4", "children": [0]},
                      {"id": 0, "type": "osd", "name": "osd.0", "status": "down"}]}
    host = FakeHost({"osd stat": _json({"num_osds": 1, "num_up_osds": 0, "num_in_osds": 1}),
                     "osd tree": _json(tree)})
    result = outcome(ceph.test_osds_up, host, ceph_ctx)
    assert not result.ok
    assert result.message == ("0 of 1 OSDs up and 1 in, expected 1 up and in; "
                               "down: osd.0 on openstack4")


def test_a_cluster_that_does_not_answer_fails_every_check(ceph_ctx: CheckContext) -> None:
    host = FakeHost({"ceph ": (1, "", "[errno 110] RADOS timed out (error connecting)")})
    for probe in (ceph.test_cluster_health, ceph.test_osds_up, ceph.test_pools):
        result = outcome(probe, host, ceph_ctx)
        assert not result.ok and "RADOS timed out" in result.message


def test_pools_must_exist_and_be_rbd_pools(ceph_ctx: CheckContext) -> None:
    detail = [{"pool_name": "volumes", "size": 1, "application_metadata": {"rbd": {}}}]
    result = outcome(ceph.test_pools, FakeHost({"pool ls detail": _json(detail)}), ceph_ctx)
    assert result.message == "missing pools: images"
    detail.append({"pool_name": "images", "size": 1, "application_metadata": {}})
    result = outcome(ceph.test_pools, FakeHost({"pool ls detail": _json(detail)}), ceph_ctx)
    assert result.message == "not marked for rbd: images"


def test_the_rbd_backend_must_be_up(ceph_ctx: CheckContext) -> None:
    inv = ceph_ctx.inventory
    ctx = CheckContext(node=inv.node("openstack1"), inventory=inv)
    rows = [{"Binary": "cinder-scheduler", "Host": "openstack1", "Status": "enabled",
             "State": "up"},
            {"Binary": "cinder-volume", "Host": "openstack4@ceph", "Status": "enabled",
             "State": "down"}]
    result = outcome(openstack_api.test_volume_services,
                     FakeHost({"volume service list": _json(rows)}), ctx)
    assert not result.ok
    assert "cinder-volume on openstack4@ceph is enabled/down (the RBD backend" in result.message
    rows[1]["State"] = "up"
    result = outcome(openstack_api.test_volume_services,
                     FakeHost({"volume service list": _json(rows)}), ctx)
    assert result.ok and "openstack4@ceph" in result.message


def test_a_ceph_storage_node_is_not_asked_for_the_iscsi_target(ceph_ctx: CheckContext) -> None:
    from types import SimpleNamespace

    from installer.verify.nodetests import test_openstack_nodes as openstack_nodes

    volume = "cinder_volume"
    installed = {"cinder-volume", "ceph-common", "python3-rbd", "python3-rados", "acl"}

    class Host(FakeHost):
        def package(self, name: str) -> SimpleNamespace:
            return SimpleNamespace(is_installed=name in installed, version="1")

    host = Host({"systemctl is-active": (0, "active\n", ""),
                 "systemctl is-enabled": (0, "enabled\n", "")})
    assert outcome(openstack_nodes.packages, host, ceph_ctx, volume).ok
    units = outcome(openstack_nodes.services, host, ceph_ctx, volume)
    assert units.ok and units.message == "cinder-volume"
    ports = outcome(openstack_nodes.ports, host, ceph_ctx, volume)
    assert ports.ok and "no port" in ports.message
    installed.discard("python3-rbd")
    missing = outcome(openstack_nodes.packages, host, ceph_ctx, volume)
    assert not missing.ok and missing.message == "not installed: python3-rbd"

"""LVM's checks judge what vgs, the initiator file and systemd say (faked here) as an operator
of LVM over iSCSI would. The checks' selection by cinder.backend is in test_plugin.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from installer.answers import load
from installer.render import render
from installer.verify.context import CheckContext
from installer.verify.inventory import read_inventory
from installer.verify.nodetests import test_lvm_iscsi as lvm
from tests.unit.verify.fakes import FakeHost, outcome

GIB = 1024**3
DM = (0, "Library version:   1.02.205 (2025-02-27)\nDriver version:    4.48.0\n", "")
GOOD_FILE = "## written by open-iscsi\nInitiatorName=iqn.1993-08.org.debian:01:4c1c2d8e9f\n"


def _ctx(four_node: Path, tmp_path: Path, node: str) -> CheckContext:
    inventory = read_inventory(render(load(four_node), tmp_path / "deploy").out_dir)
    return CheckContext(node=inventory.node(node), inventory=inventory)


@pytest.fixture
def storage(four_node: Path, tmp_path: Path) -> CheckContext:
    return _ctx(four_node, tmp_path, "openstack4")


@pytest.fixture
def compute(four_node: Path, tmp_path: Path) -> CheckContext:
    return _ctx(four_node, tmp_path, "openstack3")


def _no_peer(node):
    raise AssertionError(f"the four-node sample has one compute node, not {node.name}")


def _run(check, host: FakeHost, ctx: CheckContext, *args) -> SimpleNamespace:
    """As ``outcome``, and a blocked check as ok=None with its reason."""
    if check is lvm.test_iscsi_initiator and not args:
        args = (_no_peer,)
    try:
        return outcome(check, host, ctx, *args)
    except pytest.skip.Exception as exc:
        return SimpleNamespace(ok=None, message=str(exc.msg))


def test_the_volume_group_with_free_space_passes(storage: CheckContext) -> None:
    host = FakeHost({"vgs ": (0, f"  {10 * GIB} {6 * GIB}\n", ""), "dmsetup version": DM})
    result = _run(lvm.test_volume_group, host, storage)
    assert result.ok and result.message == "cinder-volumes: 6.0 of 10.0 GiB free"
    assert "cinder-volumes" in host.commands[0]


def test_a_full_volume_group_fails_saying_no_volume_can_be_made(storage: CheckContext) -> None:
    result = _run(lvm.test_volume_group,
                  FakeHost({"vgs ": (0, f"{10 * GIB} 0\n", ""), "dmsetup version": DM}), storage)
    assert result.ok is False
    assert "has no free space (10.0 GiB, all of it allocated)" in result.message


def test_a_missing_volume_group_fails_with_what_vgs_said(storage: CheckContext) -> None:
    host = FakeHost({"vgs ": (5, "", '  Volume group "cinder-volumes" not found\n'),
                     "dmsetup version": DM})
    result = _run(lvm.test_volume_group, host, storage)
    assert result.ok is False
    assert result.message.startswith(
        'volume group cinder-volumes not found: Volume group "cinder-volumes" not found')


def test_without_device_mapper_the_check_is_blocked_not_passed(storage: CheckContext) -> None:
    """As seen on a container of this lab: the loop device and the volume group's metadata are
    there (vgs answers), but the kernel has no device-mapper, so no volume can be made."""
    no_dm = (1, "Library version:   1.02.205 (2025-02-27)\n",
             "/dev/mapper/control: open failed: No such device\nCommand failed.\n")
    for vgs in [(0, f"{10 * GIB} {10 * GIB}\n", ""), (5, "", "  No volume group found\n")]:
        host = FakeHost({"vgs ": vgs, "dmsetup version": no_dm})
        result = _run(lvm.test_volume_group, host, storage)
        assert result.ok is None, result
        assert "device-mapper does not answer on openstack4" in result.message
        assert result.message.endswith("(volume group cinder-volumes exists)") == (vgs[0] == 0)


def _initiator_host(file: tuple[int, str, str], socket_active: bool = False,
                    enabled: bool = True) -> FakeHost:
    return FakeHost({
        "cat /etc/iscsi/initiatorname.iscsi": file,
        "systemctl is-active iscsid.socket": (0, "active", "") if socket_active
        else (3, "inactive", ""),
        "systemctl is-active iscsid.service": (3, "inactive", ""),
        "systemctl is-enabled iscsid.socket": (0, "enabled", "") if enabled
        else (1, "disabled", ""),
        "systemctl is-enabled iscsid.service": (1, "disabled", ""),
    })


def test_an_initiator_name_and_iscsid_on_demand_pass(compute: CheckContext) -> None:
    result = _run(lvm.test_iscsi_initiator, _initiator_host((0, GOOD_FILE, "")), compute)
    assert result.ok
    assert result.message == "iqn.1993-08.org.debian:01:4c1c2d8e9f; iscsid.socket enabled"
    running = _run(lvm.test_iscsi_initiator,
                   _initiator_host((0, GOOD_FILE, ""), socket_active=True), compute)
    assert running.ok and running.message.endswith("iscsid.socket active")


def test_a_missing_initiator_file_is_named(compute: CheckContext) -> None:
    result = _run(lvm.test_iscsi_initiator, _initiator_host((1, "", "No such file")), compute)
    assert result.ok is False
    assert result.message.startswith("/etc/iscsi/initiatorname.iscsi is missing")


def test_a_file_without_an_iqn_is_named(compute: CheckContext) -> None:
    result = _run(lvm.test_iscsi_initiator,
                  _initiator_host((0, "InitiatorName=GenerateName=yes\n", "")), compute)
    assert result.ok is False
    assert "has no InitiatorName=iqn." in result.message
    assert "'GenerateName=yes'" in result.message


def test_iscsid_that_can_neither_run_nor_start_fails(compute: CheckContext) -> None:
    result = _run(lvm.test_iscsi_initiator,
                  _initiator_host((0, GOOD_FILE, ""), enabled=False), compute)
    assert result.ok is False
    assert result.message == ("iscsid can neither run nor start on demand: iscsid.socket is "
                              "inactive and disabled, iscsid.service is inactive and disabled")


def _with_computes(ctx: CheckContext, *names: str) -> CheckContext:
    """``ctx`` in a deployment with more compute nodes, as copies of its own."""
    more = tuple(replace(ctx.node, name=name) for name in names)
    inventory = replace(ctx.inventory, nodes=(*ctx.inventory.nodes, *more))
    return CheckContext(node=ctx.node, inventory=inventory)


def test_an_initiator_name_shared_with_another_compute_node_fails(compute) -> None:
    """Cloned disks carry one InitiatorName: the target mixes up their sessions."""
    ctx = _with_computes(compute, "openstack5", "openstack6")
    other = "InitiatorName=iqn.1993-08.org.debian:01:aaaaaaaaaaaa\n"
    peers = {"openstack5": _initiator_host((0, GOOD_FILE, "")),
             "openstack6": _initiator_host((0, other, ""))}
    result = _run(lvm.test_iscsi_initiator, _initiator_host((0, GOOD_FILE, "")), ctx,
                  lambda node: peers[node.name])
    assert result.ok is False
    assert result.message.startswith("iqn.1993-08.org.debian:01:4c1c2d8e9f is also the "
                                     "initiator name of openstack5 (a cloned disk or image)")
    assert "iscsi-iname" in result.message


def test_distinct_names_and_an_unreachable_peer_pass(compute) -> None:
    ctx = _with_computes(compute, "openstack5", "openstack6")
    other = "InitiatorName=iqn.1993-08.org.debian:01:aaaaaaaaaaaa\n"
    peers = {"openstack5": _initiator_host((0, other, "")),
             "openstack6": "cannot reach openstack6 over SSH: refused"}
    result = _run(lvm.test_iscsi_initiator, _initiator_host((0, GOOD_FILE, "")), ctx,
                  lambda node: peers[node.name])
    assert result.ok, result.message

"""The smoke's workload against a cloud double: order, dependencies, diagnoses, clean-up.

The cloud is :mod:`fakecloud` (openstacksdk's resource objects and exceptions, state kept
between calls); the live run is tests/e2e (verify --smoke on a lab).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from installer.catalogue import Firewall
from installer.testbed.smoke import steps as s
from installer.testbed.smoke.image import GuestImage, operator_image
from installer.testbed.smoke.run import LINUXBRIDGE_FIREWALL, SmokeRun
from installer.verify.result import BLOCKED, FAIL, PASS
from tests.unit.testbed.smoke.fakecloud import FakeCloud, NetworkNode

PREFIX = "si-smoke-test"


def _clock() -> Callable[[], float]:
    """A clock that moves 5 s at every reading, so every wait ends at once."""
    ticks = itertools.count(step=5.0)
    return lambda: next(ticks)


def smoke(cloud: FakeCloud, *, image: GuestImage | None = None, blocked: str | None = None,
          br_netfilter: bool = True, firewall: Firewall = LINUXBRIDGE_FIREWALL,
          domain_type: str = "kvm") -> tuple[SmokeRun, NetworkNode]:
    node = NetworkNode(cloud, br_netfilter=br_netfilter, domain_type=domain_type)
    run = SmokeRun(conn=cloud, controller="openstack1", compute_hosts=["openstack3"],
                   storage_hosts=["openstack4"],
                   image=lambda: image or GuestImage(Path("/cache/guest.raw"), "raw"),
                   node_host=lambda name: node, storage_probe=lambda name: blocked,
                   prefix=PREFIX, clock=_clock(), sleep=lambda seconds: None,
                   firewall=firewall)
    run.run()
    return run, node


def statuses(run: SmokeRun) -> dict[str, str]:
    return {r.check.removeprefix("smoke: "): r.status for r in run.recorder.results}


def result(run: SmokeRun, name: str):  # type: ignore[no-untyped-def]
    return next(r for r in run.recorder.results if r.check == f"smoke: {name}")


ALL_STEPS = [s.IMAGE, s.FLAVOR, s.NETWORK, s.ACCESS, s.VOLUME, s.BOOT, s.BOOTED, s.REACH,
             s.SECURITY_GROUPS, s.WRITE, s.DETACH, s.BOOT_CONFIG_DRIVE, s.READ, s.CLEANUP,
             s.LEFTOVERS]


def test_the_whole_workload_passes_and_leaves_nothing() -> None:
    cloud = FakeCloud()
    run, node = smoke(cloud)
    assert statuses(run) == dict.fromkeys(ALL_STEPS, PASS), run.recorder.results
    assert all(r.node == "openstack1" and r.check.startswith("smoke: ")
               for r in run.recorder.results)
    assert "metadata from config-drive" in result(run, s.BOOT_CONFIG_DRIVE).message
    assert "read the same 4 MiB back" in result(run, s.READ).message
    # the security group probe really lost SSH without the rule, and the rule came back
    probes = [c for c in node.commands if "root@10.243.0.200 true;" in c]
    assert len(probes) == 1
    assert "delete_security_group_rule rule7" in cloud.calls
    assert [r.port_range_min for r in cloud.listing("rule") if r.protocol == "tcp"] == [22]
    teardown = cloud.calls[cloud.calls.index("detach volume9 from server14"):]
    assert teardown == [
        "detach volume9 from server14", "delete_server server14", "delete_ip fip12",
        "delete_volume volume9", "remove_interface_from_router router4 subnet3",
        "update_router router4 {'external_gateway_info': {}}", "delete_router router4",
        "delete_subnet subnet3", "delete_network network2", "delete_security_group sg6",
        "delete_keypair si-smoke-test-key", "delete_flavor si-smoke-test-flavor",
        "delete_image image1"]
    assert not any(cloud.listing(k) for k in ("server", "fip", "volume", "router", "subnet",
                                              "sg", "keypair", "flavor", "image"))
    assert any(c == "create_server si-smoke-test-guest2 config_drive=True" for c in cloud.calls)


def test_security_groups_are_blocked_without_br_netfilter_and_the_rest_passes() -> None:
    run, _ = smoke(FakeCloud(), br_netfilter=False)
    got = statuses(run)
    assert got.pop(s.SECURITY_GROUPS) == BLOCKED
    assert set(got.values()) == {PASS}
    message = result(run, s.SECURITY_GROUPS).message
    assert "br_netfilter" in message and "6.18.44-test" in message


def test_open_vswitch_enforces_security_groups_without_br_netfilter() -> None:
    ovs = Firewall(driver="openvswitch", br_netfilter=False)
    run, node = smoke(FakeCloud(), br_netfilter=False, firewall=ovs)
    assert statuses(run) == dict.fromkeys(ALL_STEPS, PASS), run.recorder.results
    assert "(firewall_driver openvswitch)" in result(run, s.SECURITY_GROUPS).message
    assert not any("bridge-nf-call-iptables" in c for c in node.commands)
    assert len([c for c in node.commands if "root@10.243.0.200 true;" in c]) == 1


@pytest.mark.parametrize("domain_type", ["kvm", "qemu"])
def test_the_boot_step_names_the_hypervisor_libvirt_runs_the_guest_under(
        domain_type: str) -> None:
    run, node = smoke(FakeCloud(), domain_type=domain_type)
    message = result(run, s.BOOT).message
    assert message.endswith(f"on openstack3 under {domain_type} (libvirt domain "
                            "instance-00000001)"), message
    assert "virsh -c qemu:///system dumpxml instance-00000001" in node.commands


def test_an_unreadable_domain_is_said_and_does_not_fail_the_boot() -> None:
    run, _ = smoke(FakeCloud(), domain_type="")
    assert result(run, s.BOOT).status == PASS
    assert "its type unread: error: failed to get domain" in result(run, s.BOOT).message


def test_a_blocked_volume_blocks_only_the_volume_steps() -> None:
    cloud = FakeCloud()
    run, _ = smoke(cloud, blocked="openstack4 has no device-mapper")
    got = statuses(run)
    assert {k: got[k] for k in (s.VOLUME, s.WRITE, s.DETACH, s.READ)} == dict.fromkeys(
        (s.VOLUME, s.WRITE, s.DETACH, s.READ), BLOCKED)
    assert got[s.REACH] == got[s.BOOT_CONFIG_DRIVE] == got[s.LEFTOVERS] == PASS
    assert "not attempted: 'attach the volume and write on it in the guest' did not pass" \
        in result(run, s.DETACH).message


def test_a_server_that_goes_to_error_fails_naming_its_fault_and_compute_node() -> None:
    run, _ = smoke(FakeCloud(server_status="ERROR"))
    boot = result(run, s.BOOT)
    assert boot.status == FAIL
    assert "went to ERROR: No valid host was found." in boot.message
    assert "on compute node openstack3" in boot.message
    assert statuses(run)[s.REACH] == FAIL
    assert "not attempted" in result(run, s.REACH).message
    assert statuses(run)[s.CLEANUP] == statuses(run)[s.LEFTOVERS] == PASS


def test_a_server_stuck_in_build_says_so() -> None:
    run, _ = smoke(FakeCloud(server_status="BUILD"))
    assert "is still BUILD after 300 s, expected ACTIVE" in result(run, s.BOOT).message


def test_a_floating_ip_the_l3_agent_never_applies_fails_naming_it_and_ssh_is_not_tried(
) -> None:
    run, node = smoke(FakeCloud(fip_status="DOWN"))
    reach = result(run, s.REACH)
    assert reach.status == FAIL
    assert "floating IP 10.243.0.200 is DOWN on 172.31.254.5" in reach.message
    assert "the L3 agent on openstack2 has not applied it" in reach.message
    assert "in qrouter-router4 for 10.243.0.200 -> 172.31.254.5: fip=missing" in reach.message
    assert not [c for c in node.commands if " ssh " in c]
    assert statuses(run)[s.CLEANUP] == PASS


def test_a_guest_without_a_dhcp_address_fails_its_boot_step() -> None:
    run, _ = smoke(FakeCloud(console_address="none"))
    booted = result(run, s.BOOTED)
    assert booted.status == FAIL
    assert "booted without an address: DHCP gave it no lease" in booted.message
    assert "port" not in booted.message or "on compute node openstack3" in booted.message


def test_a_volume_stuck_in_creating_fails_its_step_and_blocks_nothing_else() -> None:
    run, _ = smoke(FakeCloud(volume_status="creating"))
    assert "is still creating after 120 s, expected available" in result(
        run, s.VOLUME).message
    got = statuses(run)
    assert got[s.WRITE] == got[s.READ] == FAIL
    assert got[s.REACH] == got[s.BOOT_CONFIG_DRIVE] == PASS


def test_a_dropped_connection_on_a_delete_is_retried_and_cleanup_passes() -> None:
    cloud = FakeCloud(drop_first="delete_network")
    run, _ = smoke(cloud)
    assert statuses(run)[s.CLEANUP] == PASS
    assert cloud.calls.count("delete_network network2") == 2


def test_a_create_is_never_repeated_and_its_leftover_is_deleted() -> None:
    cloud = FakeCloud(fail_create_image=True)
    run, _ = smoke(cloud)
    assert [c for c in cloud.calls if c.startswith("create_image")] == ["create_image raw"]
    assert result(run, s.IMAGE).status == FAIL
    assert "503" in result(run, s.IMAGE).message or "Unavailable" in result(
        run, s.IMAGE).message
    assert statuses(run)[s.BOOT] == FAIL
    assert statuses(run)[s.LEFTOVERS] == PASS


@pytest.mark.parametrize("user", ["root", "cirros"])
def test_an_operator_image_blocks_only_the_console_step(tmp_path: Path, user: str) -> None:
    disk = tmp_path / "cirros.qcow2"
    disk.write_bytes(b"QFI\xfb" + bytes(60))
    cloud = FakeCloud(announces=False)
    run, node = smoke(cloud, image=operator_image(disk, user))
    got = statuses(run)
    assert got.pop(s.BOOTED) == BLOCKED
    assert set(got.values()) == {PASS}, run.recorder.results
    assert "prints no stackinstall-guest 'booted' line" in result(run, s.BOOTED).message
    assert "create_image qcow2" in cloud.calls
    assert "operator's image" in result(run, s.IMAGE).message
    assert "sees its config drive as /dev/sr0" in result(run, s.BOOT_CONFIG_DRIVE).message
    ssh = [c for c in node.commands if " ssh " in c]
    assert ssh and all(f"{user}@10.243.0.200" in c for c in ssh)
    on_disk = [c for c in ssh if "/dev/vdb" in c]
    assert on_disk and all(("sudo sh -c" in c) == (user != "root") for c in on_disk)

"""OpenStack node and API checks judge a node's answers (remote facts, faked here) correctly.

The live behaviour is covered by tests/e2e/test_deploy.py on a four-node lab.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from installer.verify.context import CheckContext
from installer.verify.inventory import read_inventory
from installer.verify.nodetests import test_openstack_api as openstack_api
from installer.verify.nodetests import test_openstack_nodes as openstack_nodes
from tests.unit.verify.fakes import FakeHost, outcome


def _ctx(deploy_dir: Path, node: str) -> CheckContext:
    inventory = read_inventory(deploy_dir)
    return CheckContext(node=inventory.node(node), inventory=inventory)


def _json(rows: Any) -> tuple[int, str, str]:
    return (0, json.dumps(rows), "")


def test_compute_services_names_the_missing_and_down_ones(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack1")
    rows = [
        {"Binary": "nova-conductor", "Host": "openstack1", "Status": "enabled", "State": "up"},
        {"Binary": "nova-scheduler", "Host": "openstack1", "Status": "enabled", "State": "down"},
    ]
    host = FakeHost({"compute service list": _json(rows)})
    result = outcome(openstack_api.test_compute_services, host, ctx)
    assert not result.ok
    assert result.message == ("nova-scheduler on openstack1 is enabled/down (no nova-scheduler "
                               "unit on openstack1); no nova-compute on openstack3 (its log on "
                               "openstack3: /var/log/nova/nova-compute.log)")
    assert "--os-cloud" in host.commands[0]
    rows[1]["State"] = "up"
    rows.append({"Binary": "nova-compute", "Host": "openstack3", "Status": "enabled",
                 "State": "up"})
    assert outcome(openstack_api.test_compute_services, FakeHost({"compute": _json(rows)}), ctx).ok


def test_network_agents_must_be_alive_on_the_right_node(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack1")
    rows = [{"Agent Type": t, "Host": "openstack2", "Alive": True, "State": True}
            for t in ("L3 agent", "DHCP agent", "Metadata agent", "Linux bridge agent")]
    rows.append({"Agent Type": "Linux bridge agent", "Host": "openstack3", "Alive": False,
                 "State": True})
    result = outcome(openstack_api.test_network_agents,
                     FakeHost({"network agent": _json(rows)}), ctx)
    assert not result.ok
    assert result.message == "Linux bridge agent on openstack3 is not alive"
    rows[-1]["Alive"] = True
    assert outcome(openstack_api.test_network_agents,
                   FakeHost({"network agent": _json(rows)}), ctx).ok


def test_volume_service_host_is_matched_without_backend(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack1")
    rows = [
        {"Binary": "cinder-scheduler", "Host": "openstack1", "Status": "enabled", "State": "up"},
        {"Binary": "cinder-volume", "Host": "openstack4@lvm", "Status": "enabled",
         "State": "down"},
    ]
    result = outcome(openstack_api.test_volume_services,
                     FakeHost({"volume service": _json(rows)}), ctx)
    assert result.message == ("cinder-volume on openstack4 is enabled/down "
                              "(its log on openstack4: /var/log/cinder/cinder-volume.log)")


def test_client_errors_are_reported_with_their_last_line(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack1")
    host = FakeHost({"token issue": (1, "", "Traceback...\nThe request you have made requires "
                                           "authentication. (HTTP 401)\n")})
    result = outcome(openstack_api.test_token_issue, host, ctx)
    assert result.message == ("the admin cannot get a token: The request you have made "
                               "requires authentication. (HTTP 401)")


def _endpoints(ctx: CheckContext) -> list[dict[str, Any]]:
    return [{"Service Type": kind, "Interface": interface, "URL": url, "Enabled": True}
            for (kind, interface), url in openstack_api.expected_endpoints(ctx).items()]


def test_catalog_compares_every_interface_and_url(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack1")
    rows = _endpoints(ctx)
    assert len(rows) == 6 * 3  # keystone + 5 APIs, public/internal/admin each
    result = outcome(openstack_api.test_catalog, FakeHost({"endpoint list": _json(rows)}), ctx)
    assert result.ok, result.message
    # one deleted endpoint is named, although its service type is still in the catalog
    missing = [r for r in rows if (r["Service Type"], r["Interface"]) != ("compute", "admin")]
    result = outcome(openstack_api.test_catalog, FakeHost({"endpoint list": _json(missing)}), ctx)
    assert not result.ok
    assert result.message.startswith(
        "compute has no admin endpoint (expected https://10.0.0.11:8774/v2.1)")
    # a URL that is not the one the roles register
    moved = [dict(r, URL="http://10.0.0.99:9292") if r["Service Type"] == "image"
             and r["Interface"] == "internal" else r for r in rows]
    result = outcome(openstack_api.test_catalog, FakeHost({"endpoint list": _json(moved)}), ctx)
    assert result.message.startswith("image internal endpoint is http://10.0.0.99:9292, "
                                      "expected https://10.0.0.11:9292")
    # the endpoints of a deployment from before TLS are named too (plain http)
    plain = [dict(r, URL=r["URL"].replace("https://", "http://")) for r in rows]
    result = outcome(openstack_api.test_catalog, FakeHost({"endpoint list": _json(plain)}), ctx)
    assert not result.ok and "expected https://10.0.0.11:5000/v3" in result.message


def test_a_keystone_without_fernet_keys_is_named_as_the_cause(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack1")
    error = (1, "", "Internal Server Error (HTTP 500)")
    healthy = {"token issue": error, "systemctl is-active": (0, "active\n", ""),
               "fernet-keys": (0, "2\n", "")}
    result = outcome(openstack_api.test_token_issue, FakeHost(healthy), ctx)
    assert result.message == "the admin cannot get a token: Internal Server Error (HTTP 500)"
    # the lines seen on lab cat with the key repository moved away
    error_line = ("2026-11-22 05:52:11.859 15986 ERROR keystone.server.flask.application "
                  "keystone.exception.KeysNotFound: An unexpected error prevented the server "
                  "from fulfilling your request.")
    broken = dict(healthy, **{"fernet-keys": (1, "0\n", ""),
                              "/var/log/keystone/": (0, error_line + "\n", "")})
    result = outcome(openstack_api.test_token_issue, FakeHost(broken), ctx)
    assert not result.ok
    assert ("keystone is the cause: its fernet key repository /etc/keystone/fernet-keys has "
            "no key") in result.message
    assert ("last ERROR in /var/log/keystone/*.log: 2026-11-22 05:52:11.859 15986 ERROR "
            "keystone.server.flask.application keystone.exception.KeysNotFound") in result.message


def test_units_must_be_active_and_enabled(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack2")
    host = FakeHost({"is-active neutron-dhcp-agent": (3, "failed\n", ""),
                     "is-enabled neutron-metadata-agent": (1, "disabled\n", ""),
                     "systemctl is-": (0, "active\n", "")})
    result = outcome(openstack_nodes.services, host, ctx, "neutron_agents")
    assert result.message.startswith(
        "neutron-dhcp-agent is failed; neutron-metadata-agent is not enabled at boot")


def test_config_files_must_not_be_world_readable(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack4")
    files = {"/etc/cinder/cinder.conf": SimpleNamespace(exists=True, user="root",
                                                         group="root", mode=0o644)}
    host = FakeHost({})
    host.file = files.__getitem__  # type: ignore[attr-defined]
    result = outcome(openstack_nodes.config_files, host, ctx, "cinder_volume")
    assert result.message == (
        "/etc/cinder/cinder.conf is owned root:root, expected root:cinder; "
        "/etc/cinder/cinder.conf is readable by others (mode 0644), expected 0640")


def test_a_guest_port_left_down_under_a_running_server_is_named(deploy_dir: Path) -> None:
    ctx = _ctx(deploy_dir, "openstack1")
    ports = [{"ID": "p1", "Status": "DOWN", "Device Owner": "compute:nova"},
             {"ID": "p2", "Status": "ACTIVE", "Device Owner": "compute:nova"},
             {"ID": "p3", "Status": "DOWN", "Device Owner": "network:dhcp"}]
    answers = {
        "date -u": (0, "1763782900\n", ""),  # 2025-11-22T03:41:40Z
        "port list --host openstack3": _json(ports),
        "port list --host": _json([]),
        "port show p1": _json({"id": "p1", "device_id": "srv1"}),
        "server show srv1": _json({"id": "srv1", "status": "BUILD",
                                   "created": "2025-11-22T03:31:40Z"}),
    }
    result = outcome(openstack_api.test_guest_ports_wired, FakeHost(answers), ctx)
    assert not result.ok
    assert result.message == ("port p1 of server srv1 (BUILD, 600 s old) is DOWN on "
                               "openstack3: its L2 agent reports alive but did not wire it")
    # a server that is still being built within the grace period is not blamed
    answers["server show srv1"] = _json({"id": "srv1", "status": "BUILD",
                                         "created": "2025-11-22T03:41:00Z"})
    assert outcome(openstack_api.test_guest_ports_wired, FakeHost(answers), ctx).ok
    answers["server show srv1"] = _json({"id": "srv1", "status": "SHUTOFF",
                                         "created": "2025-11-22T03:00:00Z"})
    assert outcome(openstack_api.test_guest_ports_wired, FakeHost(answers), ctx).ok


def test_an_ubuntu_node_is_asked_for_the_ubuntu_unit_names(deploy_dir: Path) -> None:
    """Ubuntu runs neutron-server, keystone/placement under Apache, nova-api with metadata."""
    answers = {"is-active": (0, "active\nactive\nactive\nactive\n", ""),
               "is-enabled": (0, "enabled\nenabled\nenabled\nenabled\n", "")}
    ctx = _ctx(deploy_dir, "openstack1")
    expected = {"neutron_server": "neutron-server",
                "keystone": "apache2, keystone-key-rotation.timer",
                "placement": "apache2",
                "nova_controller": "nova-api, nova-conductor, nova-scheduler, nova-novncproxy"}
    for group, names in expected.items():
        host = FakeHost(answers, distro="ubuntu")
        assert outcome(openstack_nodes.services, host, ctx, group).message == names
        debian = outcome(openstack_nodes.services, FakeHost(answers), ctx, group).message
        assert debian != names


def test_a_service_down_on_this_node_says_whether_its_unit_runs(deploy_dir: Path) -> None:
    """A scheduler whose unit is active but which stopped reporting is named as such, with the
    last error of its log (none here: a hung process), so a failure explains itself."""
    ctx = _ctx(deploy_dir, "openstack1")
    rows = [{"Binary": "cinder-scheduler", "Host": "openstack1", "Status": "enabled",
             "State": "down"},
            {"Binary": "cinder-volume", "Host": "openstack4@lvm", "Status": "enabled",
             "State": "up"}]
    unit = ("Id=cinder-scheduler.service\nActiveState=active\nSubState=running\nNRestarts=0\n"
            "ActiveEnterTimestamp=Sun 2026-12-06 19:01:52 UTC\nerror=\n")
    host = FakeHost({"volume service": _json(rows), "systemctl list-units": (0, unit, "")})
    result = outcome(openstack_api.test_volume_services, host, ctx)
    assert result.message == (
        "cinder-scheduler on openstack1 is enabled/down (cinder-scheduler.service active/running "
        "since Sun 2026-12-06 19:01:52 UTC, 0 restarts: it runs but does not report (hung?); "
        "last error in /var/log/cinder/cinder-scheduler.log: none)")
    assert "'*cinder-scheduler.service'" in host.commands[-1]
    crashed = ("Id=cinder-scheduler.service\nActiveState=failed\nSubState=failed\n"
               "error=2026-12-06 19:02:00.915 19790 ERROR cinder AccessRefused\n")
    host = FakeHost({"volume service": _json(rows), "systemctl list-units": (0, crashed, "")})
    assert outcome(openstack_api.test_volume_services, host, ctx).message == (
        "cinder-scheduler on openstack1 is enabled/down (cinder-scheduler.service failed/failed; "
        "last error in /var/log/cinder/cinder-scheduler.log: 2026-12-06 19:02:00.915 19790 ERROR "
        "cinder AccessRefused)")

"""Check 14: what a deploy changes on a local node, warned about (never a problem)."""

from __future__ import annotations

from installer.preflight.checks.access import root_or_sudo
from installer.preflight.checks.local import changes, local_changes
from installer.preflight.facts import Access
from installer.preflight.findings import Status

from ..conftest import context, make_deployment

EVERY_ROLE = ["controller", "network", "compute", "storage"]


def _deployment(tmp_path, connection="local", **changes_):
    return make_deployment(tmp_path, nodes=[{"name": "openstack1", "address": "10.0.0.11",
                                             "roles": EVERY_ROLE, "connection": connection}],
                           **changes_)


def test_the_changes_name_packages_services_and_the_provider_interface(tmp_path):
    dep = _deployment(tmp_path, network={"provider_interface": "enp2s0"},
                      cinder={"backend": "loop"})
    said = changes(dep, dep.nodes[0])
    assert list(said) == ["packages", "services", "provider interface"]
    assert "mariadb-server" in said["packages"] and "full upgrade" in said["packages"]
    for unit in ("mariadb", "rabbitmq-server", "nova-compute", "cinder-volume", "apache2"):
        assert unit in said["services"]
    assert "enp2s0" in said["provider interface"]
    assert "takes over" in said["provider interface"]


def test_the_upgrade_policy_is_the_answer_files(tmp_path):
    dep = _deployment(tmp_path, repos={"upgrade": "never"})
    assert "no full upgrade" in changes(dep, dep.nodes[0])["packages"]


def test_only_a_local_node_is_warned_about_and_only_warned(tmp_path):
    local = _deployment(tmp_path)
    findings = local_changes(context(local, "openstack1"))
    assert [f.status for f in findings] == [Status.WARN] * 3
    assert all("--yes" in f.fix for f in findings)
    (tmp_path / "ssh").mkdir()
    remote = _deployment(tmp_path / "ssh", connection="ssh")
    assert local_changes(context(remote, "openstack1")) == []


def test_a_local_node_not_root_needs_working_sudo_not_ssh_become(tmp_path):
    dep = _deployment(tmp_path)
    ok = root_or_sudo(context(dep, "openstack1", access=Access(1000, 0)))
    assert ok[0].status is Status.PASS and "this machine's user" in ok[0].found
    no = root_or_sudo(context(dep, "openstack1", access=Access(1000, 1, "a password is needed")))
    assert no[0].status is Status.FAIL and "a password is needed" in no[0].found

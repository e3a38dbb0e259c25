from installer.preflight.checks import evaluate
from installer.preflight.checks.access import login, root_or_sudo
from installer.preflight.facts import Access, NodeProbe
from installer.preflight.findings import Status

from ..conftest import context, make_deployment, node


def test_missing_key_file_is_one_problem_naming_the_key(deployment):
    probe = NodeProbe("openstack1", login_error="key file /nope does not exist",
                      key_unusable=True)
    finding = login(deployment, node(deployment, "openstack1"), probe)
    assert finding.status is Status.FAIL
    assert "/nope does not exist" in finding.found and "ssh-keygen" in finding.fix


def test_unreachable_node_is_one_row_and_nothing_else(deployment):
    probe = NodeProbe("openstack2", login_error="cannot connect to 10.0.0.12:22: timed out",
                      unreachable=True)
    findings = evaluate(deployment, node(deployment, "openstack2"), probe)
    assert [(f.check, f.status) for f in findings] == [("ssh login", Status.FAIL)]


def test_no_sshd_answering_says_to_start_it_not_to_add_a_key(deployment):
    target = node(deployment, "openstack2")
    probe = NodeProbe("openstack2", unreachable=True, login_error=(
        f"cannot connect to {target.address}:22: Connection refused"))
    finding = login(deployment, target, probe)
    assert finding.status is Status.FAIL and "Connection refused" in finding.found
    assert finding.fix.startswith("start sshd on openstack2 (systemctl start ssh")
    assert f"{target.address}:22" in finding.fix and "ssh.port" in finding.fix
    assert "authorized_keys" not in finding.fix


def test_a_refused_key_says_where_the_public_key_goes(deployment):
    probe = NodeProbe("openstack1", login_error="root@10.0.0.11 refused the key /k: "
                      "Authentication failed.")
    finding = login(deployment, node(deployment, "openstack1"), probe)
    assert "~root/.ssh/authorized_keys on openstack1" in finding.fix
    assert "start sshd" not in finding.fix


def test_root_passes(deployment):
    [finding] = root_or_sudo(context(deployment, "openstack1"))
    assert finding.status is Status.PASS


def test_not_root_without_become_fails(tmp_path):
    dep = make_deployment(tmp_path, ssh={"user": "deploy", "become": False})
    [finding] = root_or_sudo(context(dep, "openstack1", access=Access(1000)))
    assert finding.status is Status.FAIL
    assert "ssh.become is false" in finding.found and "ssh.become: true" in finding.fix


def test_become_needs_working_passwordless_sudo(tmp_path):
    dep = make_deployment(tmp_path, ssh={"user": "deploy", "become": True})
    ok = root_or_sudo(context(dep, "openstack1", access=Access(1000, 0)))[0]
    assert ok.status is Status.PASS
    bad = root_or_sudo(context(dep, "openstack1", access=Access(
        1000, 1, "sudo: a password is required")))[0]
    assert bad.status is Status.FAIL and "a password is required" in bad.found
    assert "NOPASSWD" in bad.fix

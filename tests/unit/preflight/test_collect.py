from installer.preflight.collect import parse_access, privileged
from installer.preflight.facts import Access

from .conftest import make_deployment


def test_access_of_root_asks_no_sudo():
    assert parse_access("uid 0\n") == Access(0, None, "")


def test_access_of_a_user_with_and_without_sudo():
    assert parse_access("uid 1000\nsudo 0 \n") == Access(1000, 0, "")
    assert parse_access("uid 1000\nsudo 1 sudo: a password is required\n") == Access(
        1000, 1, "sudo: a password is required")
    assert parse_access("uid 1000\nsudo 127 sh: 1: sudo: not found\n").sudo_rc == 127


def test_probe_runs_under_sudo_only_when_it_may_and_can(tmp_path):
    become = make_deployment(tmp_path, ssh={"user": "deploy", "become": True})
    assert privileged("id", become, Access(1000, 0)) == "sudo -n sh -c id"
    assert privileged("id", become, Access(1000, 1)) == "sh -c id"
    assert privileged("id", become, Access(0)) == "sh -c id"

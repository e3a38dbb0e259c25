"""A guest's console line, and the SSH command that reaches it from the router."""

from __future__ import annotations

import shlex
from types import SimpleNamespace

import pytest

from installer.testbed.smoke.guest import GuestShell, as_root, booted_line, make_key


def test_the_last_booted_line_wins() -> None:
    console = ("stackinstall-guest booted: hostname=a address=none metadata=none\nnoise\n"
               "stackinstall-guest booted: hostname=b address=172.31.254.9 "
               "metadata=config-drive\n")
    found = booted_line(console)
    assert found is not None
    assert (found.hostname, found.address, found.metadata) == (
        "b", "172.31.254.9", "config-drive")
    assert booted_line("login: ") is None


def test_ssh_runs_in_the_router_namespace_as_the_images_user() -> None:
    shell = GuestShell(host=None, router_id="r1", key_path="/tmp/k/id", user="cirros")
    command = shell.command("10.243.0.200", "echo 'hi'")
    assert command.startswith("timeout 60 ip netns exec qrouter-r1 ssh -i /tmp/k/id ")
    words = shlex.split(command.split(";")[0])
    assert words[-2:] == ["cirros@10.243.0.200", "echo 'hi'"]
    assert "[ $rc -ne 255 ] || rc=254" in command


def test_root_runs_commands_directly_and_others_through_sudo() -> None:
    assert as_root("root", "dd if=/dev/vdb") == "dd if=/dev/vdb"
    assert shlex.split(as_root("debian", "a && b 'c'")) == ["sudo", "sh", "-c", "a && b 'c'"]


def test_a_failed_ssh_keygen_says_what_it_printed() -> None:
    host = SimpleNamespace(run=lambda c: SimpleNamespace(rc=1, stdout="", stderr="no space"))
    with pytest.raises(RuntimeError, match="ssh-keygen failed: no space"):
        make_key(host, "/tmp/k")

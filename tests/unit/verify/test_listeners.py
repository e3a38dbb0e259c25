"""verify's listeners check: ss's output parsed, wildcards the catalogue does not allow named
with node, port and process."""

from __future__ import annotations

from pathlib import Path

import pytest

from installer import catalogue
from installer.catalogue import Wildcard
from installer.verify import listeners
from installer.verify.context import CheckContext
from installer.verify.inventory import read_inventory
from installer.verify.nodetests import test_listeners as check
from tests.unit.verify.fakes import FakeHost, outcome

#: `ss -Hltnup` lines of the shapes seen on a lab node (Debian 13): sshd on both wildcards, a
#: uWSGI API on 0.0.0.0, Apache on *, MariaDB on the management address, chrony's command
#: port on loopback, a socket bound to a device.
SS = """\
tcp LISTEN 0      128    0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=56,fd=6))
tcp LISTEN 0      128       [::]:22    [::]:* users:(("sshd",pid=56,fd=7))
tcp LISTEN 0 100 0.0.0.0:5000 0.0.0.0:* users:(("uwsgi",pid=10,fd=3),("uwsgi",pid=11,fd=3))
tcp   LISTEN 0      511                *:80               *:*    users:(("apache2",pid=20,fd=4))
tcp   LISTEN 0      80       10.0.0.11:3306       0.0.0.0:*    users:(("mariadbd",pid=30,fd=20))
udp   UNCONN 0      0          127.0.0.1:323        0.0.0.0:*    users:(("chronyd",pid=40,fd=5))
udp   UNCONN 0      0              [::1]:323           [::]:*    users:(("chronyd",pid=40,fd=6))
udp   UNCONN 0      0       0.0.0.0%eth0:68         0.0.0.0:*    users:(("dhclient",pid=50,fd=7))
"""
SSHD = Wildcard("sshd", (), "reached by SSH")


def test_ss_output_becomes_listeners() -> None:
    found = listeners.parse(SS)
    assert listeners.Listener("tcp", "::", 22, "sshd") in found
    assert listeners.Listener("tcp", "0.0.0.0", 5000, "uwsgi") in found
    assert listeners.Listener("tcp", "*", 80, "apache2") in found
    assert listeners.Listener("udp", "::1", 323, "chronyd") in found
    assert listeners.Listener("udp", "0.0.0.0", 68, "dhclient") in found
    assert len(found) == 8


def test_only_wildcards_nothing_allows_are_unexpected() -> None:
    wrong = listeners.unexpected(listeners.parse(SS), [SSHD])
    assert [(x.port, x.process) for x in wrong] == [(68, "dhclient"), (80, "apache2"),
                                                    (5000, "uwsgi")]


def test_an_allowed_process_on_another_port_is_unexpected() -> None:
    rule = Wildcard("apache2", (443,), "the public side")
    wrong = listeners.unexpected(listeners.parse(SS), [SSHD, rule])
    assert (80, "apache2") in [(x.port, x.process) for x in wrong]
    assert not [x for x in wrong if x.process == "sshd"]


def test_the_catalogue_allows_sshd_and_no_openstack_api() -> None:
    rules = catalogue.load("epoxy").wildcards
    assert all(w.reason for w in rules)
    wrong = listeners.unexpected(listeners.parse(SS), rules)
    assert {x.process for x in wrong} >= {"uwsgi", "apache2"}
    assert "sshd" not in {x.process for x in wrong}


@pytest.fixture
def ctx(deploy_dir: Path) -> CheckContext:
    inventory = read_inventory(deploy_dir)
    return CheckContext(node=inventory.node("openstack1"), inventory=inventory)


def test_a_kernel_socket_is_allowed_only_where_the_catalogue_says() -> None:
    """The kernel's VXLAN socket has no process; another kernel socket is not allowed."""
    kernel = "udp UNCONN 0 0 0.0.0.0:4789 0.0.0.0:*\nudp UNCONN 0 0 0.0.0.0:4790 0.0.0.0:*\n"
    found = listeners.parse(kernel)
    assert {x.process for x in found} == {""}
    wrong = listeners.unexpected(found, catalogue.load("epoxy").wildcards)
    assert [str(x) for x in wrong] == ["udp port 4790 of an unnamed process on 0.0.0.0"]


def test_the_check_names_node_port_and_process(ctx: CheckContext) -> None:
    result = outcome(check.test_listeners, FakeHost({"ss -Hltnup": (0, SS, "")}), ctx)
    assert not result.ok
    assert result.message.startswith("openstack1: on a wildcard address")
    assert "tcp port 5000 of uwsgi on 0.0.0.0" in result.message
    assert "tcp port 80 of apache2 on *" in result.message
    assert "sshd" not in result.message


def test_the_check_passes_when_only_allowed_wildcards_remain(ctx: CheckContext) -> None:
    bound = "\n".join(line for line in SS.splitlines()
                      if "sshd" in line or "10.0.0.11" in line or "chronyd" in line)
    result = outcome(check.test_listeners, FakeHost({"ss -Hltnup": (0, bound, "")}), ctx)
    assert result.ok, result.message
    assert result.message.startswith("5 listening sockets")
    assert "22/tcp sshd" in result.message


def test_the_check_fails_when_ss_does_not_answer(ctx: CheckContext) -> None:
    result = outcome(check.test_listeners,
                     FakeHost({"ss -Hltnup": (1, "", "ss: command not found")}), ctx)
    assert not result.ok
    assert "ss: command not found" in result.message

"""Which address ``answers generate --local`` takes for this machine."""

from __future__ import annotations

import json

import pytest

from installer.answers.thismachine import choose_address, detect, ipv4_addresses
from installer.errors import UsageError

# `ip -j addr show` of a machine with a management and a provider NIC and a bridge
IP_ADDR = json.loads("""[
 {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8,
   "scope": "host"}, {"family": "inet6", "local": "::1", "prefixlen": 128, "scope": "host"}]},
 {"ifname": "eth0", "addr_info": [{"family": "inet", "local": "10.237.0.11", "prefixlen": 24,
   "scope": "global"}, {"family": "inet6", "local": "fe80::1", "prefixlen": 64,
   "scope": "link"}]},
 {"ifname": "eth1", "addr_info": [{"family": "inet6", "local": "fe80::2", "prefixlen": 64,
   "scope": "link"}]},
 {"ifname": "br0", "addr_info": [{"family": "inet", "local": "192.168.50.1",
   "prefixlen": 26, "scope": "global"}]}
]""")


def test_global_ipv4_addresses_only():
    assert ipv4_addresses(IP_ADDR) == [("eth0", "10.237.0.11", 24),
                                       ("br0", "192.168.50.1", 26)]


def test_the_default_route_interface_wins():
    assert choose_address(ipv4_addresses(IP_ADDR), "br0") == ("192.168.50.1",
                                                              "192.168.50.0/26")


def test_without_a_default_route_the_only_address_is_taken():
    only = ipv4_addresses(IP_ADDR)[:1]
    assert choose_address(only, None) == ("10.237.0.11", "10.237.0.0/24")


def test_several_addresses_and_no_default_route_ask_for_address():
    with pytest.raises(UsageError, match="cannot tell the management address") as err:
        choose_address(ipv4_addresses(IP_ADDR), None)
    assert "--address" in (err.value.hint or "")
    assert "10.237.0.11 (eth0)" in err.value.message


def test_address_picks_one_the_machine_holds():
    assert choose_address(ipv4_addresses(IP_ADDR), "br0", "10.237.0.11") == (
        "10.237.0.11", "10.237.0.0/24")
    with pytest.raises(UsageError, match=r"10\.9\.9\.9 is not an address of this machine"):
        choose_address(ipv4_addresses(IP_ADDR), "br0", "10.9.9.9")


def test_detect_reads_ip_and_the_hostname(monkeypatch):
    answers = {("addr", "show"): IP_ADDR,
               ("-4", "route", "show", "default"): [{"dst": "default", "dev": "eth0"}]}
    monkeypatch.setattr("installer.answers.thismachine._ip_json",
                        lambda *args: answers[args])
    monkeypatch.setattr("socket.gethostname", lambda: "aio1.example.org")
    machine = detect()
    assert (machine.hostname, machine.address, machine.network) == (
        "aio1", "10.237.0.11", "10.237.0.0/24")
    assert machine.interfaces == ("eth0", "eth1", "br0")

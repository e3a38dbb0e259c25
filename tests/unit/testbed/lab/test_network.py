from __future__ import annotations

from installer.testbed.lab import network

ROUTES = [
    {"dst": "default", "gateway": "192.0.2.1", "dev": "eth0"},
    {"dst": "192.0.2.0/24", "dev": "eth0", "protocol": "kernel"},
    {"type": "unreachable", "dst": "10.213.0.0/24", "metric": network.GUARD_METRIC},
    {"dst": "10.213.0.0/24", "dev": "si-lab-m", "protocol": "kernel"},
]


def test_our_guard_and_our_bridge_are_not_conflicts():
    assert network.conflicting_routes(ROUTES, "10.213.0.0/24", ["si-lab-m"]) == []


def test_a_foreign_overlapping_route_is_a_conflict():
    routes = [*ROUTES, {"dst": "10.213.0.128/25", "dev": "wg0"}]
    assert network.conflicting_routes(routes, "10.213.0.0/24", ["si-lab-m"]) == [
        "10.213.0.128/25 (wg0)"
    ]


def test_a_bigger_route_covering_the_subnet_is_a_conflict_but_default_is_not():
    routes = [{"dst": "10.0.0.0/8", "dev": "tun0"}, {"dst": "default", "dev": "eth0"}]
    assert network.conflicting_routes(routes, "10.213.0.0/24", []) == ["10.0.0.0/8 (tun0)"]


def test_another_labs_bridge_or_guard_on_the_same_subnet_is_a_conflict():
    routes = [{"dst": "10.213.0.0/24", "dev": "si-dv-m"},
              {"type": "unreachable", "dst": "10.213.0.0/23", "metric": network.GUARD_METRIC}]
    assert len(network.conflicting_routes(routes, "10.213.0.0/24", ["si-lab-m"])) == 2


def test_addresses_inside_the_subnet_on_foreign_links_conflict():
    addrs = [
        {"ifname": "eth0", "addr_info": [{"family": "inet", "local": "192.0.2.2"}]},
        {"ifname": "si-lab-m", "addr_info": [{"family": "inet", "local": "10.213.0.1"}]},
        {"ifname": "dummy0", "addr_info": [{"family": "inet", "local": "10.213.0.7"},
                                           {"family": "inet6", "local": "fe80::1"}]},
    ]
    assert network.conflicting_addresses(addrs, "10.213.0.0/24", ["si-lab-m"]) == [
        "10.213.0.7 on dummy0"
    ]

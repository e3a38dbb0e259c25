"""The smoke learns how security groups are enforced from the catalogue, not from itself."""

from __future__ import annotations

import pytest

from installer.testbed.smoke.entry import l2_firewall
from installer.verify.inventory import Inventory


@pytest.mark.parametrize(("release", "driver", "expected"), [
    ("zed", "linuxbridge", ("iptables", True)),
    ("epoxy", "openvswitch", ("openvswitch", False)),
    ("epoxy", "linuxbridge", ("iptables", True)),
])
def test_the_l2_agents_firewall_comes_from_the_catalogue(release, driver, expected) -> None:
    inventory = Inventory((), {"openstack_release": release,
                               "neutron_mechanism_driver": driver})
    firewall = l2_firewall(inventory)
    assert (firewall.driver, firewall.br_netfilter) == expected

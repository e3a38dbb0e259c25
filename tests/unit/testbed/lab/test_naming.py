from __future__ import annotations

import pytest

from installer.errors import LabError
from installer.testbed.lab import naming


@pytest.mark.parametrize("name", ["lab", "citest", "a", "abcdefgh", "l4b2"])
def test_valid_lab_names(name):
    assert naming.validate_lab_name(name) == name


@pytest.mark.parametrize("name", ["", "Lab", "1lab", "abcdefghi", "my-lab", "la b", "lab_1"])
def test_invalid_lab_names_explain_the_rule(name):
    with pytest.raises(LabError) as exc:
        naming.validate_lab_name(name)
    assert "15 characters" in (exc.value.hint or "")


def test_every_interface_name_fits_ifnamsiz_for_the_longest_lab_name():
    lab = "abcdefgh"
    names = [naming.management_bridge(lab), naming.provider_bridge(lab)]
    names += [naming.host_veth(lab, naming.MAX_NODES, kind) for kind in ("m", "p")]
    assert all(len(n) <= naming.IFNAMSIZ for n in names), names
    assert len(set(names)) == len(names)


def test_veth_names_are_distinct_per_node_and_kind():
    names = {naming.host_veth("lab", i, k) for i in range(1, 12) for k in ("m", "p")}
    assert len(names) == 22


def test_veth_rejects_bad_index_and_kind():
    with pytest.raises(ValueError):
        naming.host_veth("lab", 0, "m")
    with pytest.raises(ValueError):
        naming.host_veth("lab", 1, "x")


def test_objects_of_one_lab_are_not_objects_of_another():
    assert naming.is_lab_object("lab", naming.netns("lab", "openstack1"))
    assert naming.is_lab_object("lab", naming.host_veth("lab", 3, "p"))
    assert not naming.is_lab_object("lab", naming.netns("lab2", "openstack1"))
    assert not naming.is_lab_object("lab", "eth0")


@pytest.mark.parametrize("name", ["openstack1", "a", "node-2"])
def test_valid_node_names(name):
    assert naming.validate_node_name(name) == name


@pytest.mark.parametrize("name", ["Node", "-x", "x-", "a_b", "x" * 64, "1node"])
def test_invalid_node_names(name):
    with pytest.raises(LabError):
        naming.validate_node_name(name)


def test_macs_are_stable_unique_and_locally_administered_unicast():
    a = naming.mac_address("lab", "openstack1", "eth0")
    assert a == naming.mac_address("lab", "openstack1", "eth0")
    others = {naming.mac_address("lab", "openstack1", "eth1"),
              naming.mac_address("lab", "openstack2", "eth0"),
              naming.mac_address("lab2", "openstack1", "eth0")}
    assert a not in others and len(others) == 3
    first = int(a.split(":")[0], 16)
    assert first & 0x02 and not first & 0x01
    assert len(a.split(":")) == 6

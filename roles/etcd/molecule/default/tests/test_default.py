"""etcd: one healthy member named after the node, on the management address and loopback."""

from testinfra.host import Host


def test_endpoints_are_healthy(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    for endpoint in (f"http://{address}:2379", "http://127.0.0.1:2379"):
        result = host.run(f"etcdctl --endpoints {endpoint} endpoint health")
        assert result.rc == 0, result.stderr


def test_single_member_named_after_the_node(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    members = host.check_output("etcdctl member list").splitlines()
    assert len(members) == 1
    fields = [field.strip() for field in members[0].split(",")]
    assert fields[1:4] == ["started", "openstack1", f"http://{address}:2380"]


def test_peer_port_only_on_the_management_address(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    assert host.socket(f"tcp://{address}:2380").is_listening
    assert not host.socket("tcp://0.0.0.0:2380").is_listening

"""rabbitmq: AMQP on the management address, the openstack user works, guest is gone."""

import shlex

from testinfra.host import Host


def test_amqp_listens_on_the_management_address(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    assert host.socket(f"tcp://{address}:5672").is_listening
    assert not host.socket("tcp://0.0.0.0:5672").is_listening


def test_distribution_port_only_on_the_management_address(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    assert host.socket(f"tcp://{address}:25672").is_listening
    assert not host.socket("tcp://0.0.0.0:25672").is_listening


def test_openstack_user_authenticates(host: Host) -> None:
    password = shlex.quote(host.ansible.get_variables()["rabbitmq_openstack_password"])
    result = host.run(f"rabbitmqctl -q authenticate_user openstack {password} </dev/null")
    assert result.rc == 0, result.stderr


def test_openstack_user_has_full_permissions_on_root_vhost(host: Host) -> None:
    out = host.check_output("rabbitmqctl -q list_permissions -p / </dev/null")
    assert ["openstack", ".*", ".*", ".*"] in [line.split() for line in out.splitlines()]


def test_guest_is_gone(host: Host) -> None:
    users = host.check_output("rabbitmqctl -q list_users </dev/null")
    assert "guest" not in [line.split()[0] for line in users.splitlines() if line.strip()]

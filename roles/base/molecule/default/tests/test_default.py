"""base: hostname resolves to the management address, client installed, no start-up policy left."""

from testinfra.host import Host


def test_hostname_is_the_inventory_name(host: Host) -> None:
    assert host.check_output("hostname") == "openstack1"
    assert host.file("/etc/hostname").content_string.strip() == "openstack1"


def test_hostname_resolves_to_the_management_address(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    assert host.check_output("getent hosts openstack1").split()[0] == address


def test_openstack_client_runs(host: Host) -> None:
    assert host.package("python3-openstackclient").is_installed
    assert host.run("openstack --version").rc == 0


def test_no_service_start_up_policy_is_left(host: Host) -> None:
    assert not host.file("/usr/sbin/policy-rc.d").exists


def test_nothing_left_to_upgrade(host: Host) -> None:
    out = host.check_output("apt-get -s dist-upgrade")
    assert "0 upgraded, 0 newly installed" in out

import pytest

from installer.errors import VerifyError
from installer.verify.inventory import read_inventory


def test_nodes_groups_and_connection_come_from_the_rendered_inventory(deploy_dir):
    inv = read_inventory(deploy_dir)
    names = [n.name for n in inv.nodes]
    assert names == ["openstack1", "openstack2", "openstack3", "openstack4"]
    ctl = inv.node("openstack1")
    assert {"all", "controller", "mariadb", "rabbitmq", "memcached", "etcd"} <= ctl.groups
    assert "chrony_server" in ctl.groups and "chrony_client" not in ctl.groups
    assert inv.node("openstack3").groups >= {"compute", "chrony_client", "nova_compute"}
    assert "mariadb" not in inv.node("openstack3").groups
    assert ctl.connection.address == ctl.address
    assert "UserKnownHostsFile" in ctl.connection.ssh_common_args
    clients = [n.name for n in inv.group("chrony_client")]
    assert clients == ["openstack2", "openstack3", "openstack4"]
    assert inv.variables["deployment_controller"] == "openstack1"


def test_variables_hold_no_secrets(deploy_dir):
    inv = read_inventory(deploy_dir)
    assert not any("password" in key for key in inv.variables)


def test_missing_deployment_dir_says_to_render(tmp_path):
    with pytest.raises(VerifyError) as exc:
        read_inventory(tmp_path)
    assert "stackinstall render" in (exc.value.hint or "")

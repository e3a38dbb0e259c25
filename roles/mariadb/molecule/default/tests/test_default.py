"""mariadb: bound to the management address, OpenStack settings live, root needs the password."""

import shlex
from typing import Any

from testinfra.host import Host


def _vars(host: Host) -> dict[str, Any]:
    return host.ansible.get_variables()


def test_listens_on_the_management_address_only(host: Host) -> None:
    address = _vars(host)["node_address"]
    assert host.socket(f"tcp://{address}:3306").is_listening
    assert not host.socket("tcp://0.0.0.0:3306").is_listening
    assert not host.socket("tcp://127.0.0.1:3306").is_listening


def test_openstack_settings_are_in_effect(host: Host) -> None:
    out = host.check_output(
        "mysql -N -e 'SELECT @@max_connections, @@character_set_server, @@collation_server,"
        " @@innodb_file_per_table, @@default_storage_engine'"
    )
    assert out.split() == ["4096", "utf8mb3", "utf8mb3_general_ci", "1", "InnoDB"]


def test_root_needs_the_password(host: Host) -> None:
    password = shlex.quote(_vars(host)["mariadb_root_password"])
    denied = host.run("su -s /bin/sh nobody -c 'mysql --no-defaults -uroot -e \"SELECT 1\"'")
    assert denied.rc != 0
    assert "Access denied" in denied.stderr
    allowed = host.run(
        f"su -s /bin/sh nobody -c \"mysql --no-defaults -uroot -p{password} -N -e 'SELECT 1'\""
    )
    assert allowed.rc == 0, allowed.stderr


def test_root_over_tcp_needs_the_password(host: Host) -> None:
    address = _vars(host)["node_address"]
    password = shlex.quote(_vars(host)["mariadb_root_password"])
    tcp = f"mysql --no-defaults -h {address} -uroot"
    assert host.run(f"{tcp} -p{password} -N -e 'SELECT 1'").rc == 0
    wrong = host.run(f"{tcp} -pnot-the-password -e 'SELECT 1'")
    assert wrong.rc != 0
    assert "Access denied" in wrong.stderr


def test_no_anonymous_users_and_no_test_database(host: Host) -> None:
    assert host.check_output("mysql -N -e \"SELECT COUNT(*) FROM mysql.user WHERE user=''\"") == "0"
    assert host.check_output("mysql -N -e \"SHOW DATABASES LIKE 'test'\"") == ""


def test_root_client_settings_are_private(host: Host) -> None:
    my_cnf = host.file("/root/.my.cnf")
    assert my_cnf.mode == 0o600
    assert my_cnf.user == "root"

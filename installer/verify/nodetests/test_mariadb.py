"""MariaDB: running, bound to the management address, OpenStack settings, secured."""

from __future__ import annotations

import shlex
from typing import Any

from installer import catalogue
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail, verdict
from installer.verify.probes import inactive, last_line, listening_addresses

WHERE = "roles/mariadb, /etc/mysql/mariadb.conf.d/99-openstack.cnf"
GROUPS = ("mariadb",)
PORT = catalogue.load().port("mariadb")
EXPECTED = {
    "max_connections": "4096",
    "default_storage_engine": "InnoDB",
    "innodb_file_per_table": "ON",
}


def _sql(host: Any, query: str) -> Any:
    """Query as the local root over the socket (root's client settings are on the node)."""
    return host.run(f"mysql -N -B -e {shlex.quote(query)}")


@check("mariadb active", groups=GROUPS, where=WHERE)
def test_mariadb_active(host: Any, ctx: CheckContext) -> None:
    if problem := inactive(host, "mariadb", " (systemctl status mariadb)"):
        fail(problem)
    ctx.passed("active")


@check("mariadb bind address", groups=GROUPS, where=WHERE)
def test_mariadb_bind(host: Any, ctx: CheckContext) -> None:
    expected = ctx.node.address
    result = _sql(host, "SELECT @@bind_address")
    actual = result.stdout.strip() if result.rc == 0 else None
    if actual is not None and actual != expected:
        fail(f"mariadb bind-address is {actual or 'unset'}, expected {expected}")
    listening = listening_addresses(host, PORT)
    if listening != {expected}:
        shown = ", ".join(sorted(listening)) or "nothing"
        fail(f"port {PORT} listens on {shown}, expected only {expected}")
    ctx.passed(f"{expected}:{PORT}")


@check("mariadb settings", groups=GROUPS, where=WHERE)
def test_mariadb_settings(host: Any, ctx: CheckContext) -> None:
    names = [*EXPECTED, "character_set_server", "collation_server"]
    listing = ", ".join(f"'{n}'" for n in names)
    result = _sql(host, f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({listing})")
    if result.rc != 0:
        fail(f"cannot read the server variables: {last_line(result.stderr)}")
    actual = dict(line.split("\t", 1) for line in result.stdout.splitlines() if "\t" in line)
    wrong = [
        f"{name} is {actual.get(name, 'unset')}, expected {value}"
        for name, value in EXPECTED.items()
        if actual.get(name, "").lower() != value.lower()
    ]
    charset = actual.get("character_set_server", "")
    if not charset.startswith("utf8"):
        wrong.append(f"character_set_server is {charset or 'unset'}, expected utf8*")
    collation = actual.get("collation_server", "")
    if not collation.startswith("utf8"):
        wrong.append(f"collation_server is {collation or 'unset'}, expected a utf8 collation")
    verdict(ctx, wrong, f"{charset}/{collation}, max_connections "
                          f"{actual.get('max_connections')}")


@check("mariadb root password", groups=GROUPS, where="roles/mariadb, tasks/accounts.yml")
def test_mariadb_root_password(host: Any, ctx: CheckContext) -> None:
    address = ctx.node.address
    base = f"mysql --no-defaults -h {shlex.quote(address)} -u root -N -B -e 'SELECT 1'"
    without = host.run(base)
    if without.rc == 0:
        fail(f"root logs in over TCP ({address}) without a password")
    password = ctx.secret("mariadb_root_password")
    with_password = host.run(f"MYSQL_PWD={shlex.quote(password)} {base}")
    if with_password.rc != 0:
        fail(
            f"root cannot log in over TCP ({address}) with mariadb_root_password: "
            f"{last_line(with_password.stderr)}"
        )
    ctx.passed("refused without, accepted with the password")


def _none_listed(host: Any, ctx: CheckContext, sql: str, what: str, found: str,
                 good: str) -> None:
    """Passes when ``sql`` lists nothing; else fails with ``found`` ({listed}: what it listed)."""
    result = _sql(host, sql)
    if result.rc != 0:
        fail(f"cannot list {what}: {last_line(result.stderr)}")
    if result.stdout.strip():
        fail(found.format(listed=", ".join(result.stdout.split())))
    ctx.passed(good)


@check("mariadb no anonymous users", groups=GROUPS, where="roles/mariadb, tasks/accounts.yml")
def test_mariadb_anonymous(host: Any, ctx: CheckContext) -> None:
    _none_listed(host, ctx, "SELECT CONCAT(user, '@', host) FROM mysql.user WHERE user = ''",
                        "users", "anonymous users exist: {listed}", "none")


@check("mariadb no test database", groups=GROUPS, where="roles/mariadb, tasks/accounts.yml")
def test_mariadb_test_db(host: Any, ctx: CheckContext) -> None:
    _none_listed(host, ctx, "SHOW DATABASES LIKE 'test'", "databases",
                        "the test database exists", "absent")

"""RabbitMQ: running, the openstack user authenticates, no guest, on the management IP."""

from __future__ import annotations

import shlex
from typing import Any

from installer import catalogue
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import inactive, last_line, listening_addresses

WHERE = "roles/rabbitmq"
GROUPS = ("rabbitmq",)
PORT = catalogue.load().port("rabbitmq")
USER = "openstack"
#: Seconds rabbitmqctl may take to authenticate the user.
AUTH_TIMEOUT = 60


@check("rabbitmq active", groups=GROUPS, where=WHERE)
def test_rabbitmq_active(host: Any, ctx: CheckContext) -> None:
    if problem := inactive(host, "rabbitmq-server"):
        fail(problem)
    ctx.passed("active")


@check("rabbitmq openstack user", groups=GROUPS, where=f"{WHERE}, tasks/accounts.yml")
def test_rabbitmq_user(host: Any, ctx: CheckContext) -> None:
    password = ctx.secret("rabbitmq_openstack_password")
    # The password goes through stdin, so it never shows in the node's process list. It ends
    # with a newline and -q is not given: rabbitmqctl 4.0 (Debian 13) never returned from a
    # correct password read from stdin with -q, nor without the newline (a wrong one failed at
    # once). The timeout turns any other wait into a failure instead of a stuck verify.
    result = host.run(
        f"printf '%s\\n' {shlex.quote(password)} | "
        f"timeout {AUTH_TIMEOUT} rabbitmqctl authenticate_user {USER}"
    )
    if result.rc != 0:
        fail(
            f"user {USER} cannot authenticate with rabbitmq_openstack_password: "
            f"{last_line(result.stderr) or last_line(result.stdout)}"
        )
    ctx.passed(f"{USER} authenticates")


@check("rabbitmq no guest", groups=GROUPS, where=f"{WHERE}, tasks/accounts.yml")
def test_rabbitmq_guest(host: Any, ctx: CheckContext) -> None:
    result = host.run("rabbitmqctl -q list_users")
    if result.rc != 0:
        fail(f"cannot list users: {last_line(result.stderr)}")
    users = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    if "guest" in users:
        fail("the guest user exists")
    ctx.passed("guest absent")


@check("rabbitmq listener", groups=GROUPS, where=f"{WHERE}, /etc/rabbitmq/rabbitmq-env.conf")
def test_rabbitmq_listener(host: Any, ctx: CheckContext) -> None:
    expected = ctx.node.address
    listening = listening_addresses(host, PORT)
    if expected not in listening and "0.0.0.0" not in listening:
        shown = ", ".join(sorted(listening)) or "nothing"
        fail(f"port {PORT} listens on {shown}, expected {expected}")
    if listening - {expected}:
        shown = ", ".join(sorted(listening))
        fail(f"port {PORT} listens on {shown}, expected only {expected}")
    ctx.passed(f"{expected}:{PORT}")

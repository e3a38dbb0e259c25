"""RabbitMQ: running, the openstack user authenticates, no guest, on the management IP."""

from __future__ import annotations

import shlex
from typing import Any

from installer.verify.context import CheckContext
from installer.verify.probes import last_line, listening_addresses, not_active
from installer.verify.registry import Outcome, check, failed, passed

WHERE = "roles/rabbitmq"
GROUPS = ("rabbitmq",)
USER = "openstack"
#: Seconds rabbitmqctl may take to authenticate the user.
AUTH_TIMEOUT = 60


@check("rabbitmq active", groups=GROUPS, where=WHERE)
def rabbitmq_active(host: Any, ctx: CheckContext) -> Outcome:
    return not_active(host, "rabbitmq-server") or passed("active")


@check("rabbitmq openstack user", groups=GROUPS, where=f"{WHERE}, tasks/accounts.yml")
def rabbitmq_user(host: Any, ctx: CheckContext) -> Outcome:
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
        return failed(
            f"user {USER} cannot authenticate with rabbitmq_openstack_password: "
            f"{last_line(result.stderr) or last_line(result.stdout)}"
        )
    return passed(f"{USER} authenticates")


@check("rabbitmq no guest", groups=GROUPS, where=f"{WHERE}, tasks/accounts.yml")
def rabbitmq_guest(host: Any, ctx: CheckContext) -> Outcome:
    result = host.run("rabbitmqctl -q list_users")
    if result.rc != 0:
        return failed(f"cannot list users: {last_line(result.stderr)}")
    users = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    if "guest" in users:
        return failed("the guest user exists")
    return passed("guest absent")


@check("rabbitmq listener", groups=GROUPS, where=f"{WHERE}, /etc/rabbitmq/rabbitmq-env.conf")
def rabbitmq_listener(host: Any, ctx: CheckContext) -> Outcome:
    expected = ctx.node.address
    listening = listening_addresses(host, 5672)
    if expected not in listening and "0.0.0.0" not in listening:
        shown = ", ".join(sorted(listening)) or "nothing"
        return failed(f"port 5672 listens on {shown}, expected {expected}")
    if listening - {expected}:
        shown = ", ".join(sorted(listening))
        return failed(f"port 5672 listens on {shown}, expected only {expected}")
    return passed(f"{expected}:5672")

"""etcd: healthy and answering on its client URL."""

from __future__ import annotations

import shlex
from typing import Any

from installer import catalogue
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import last_line

WHERE = "roles/etcd, /etc/default/etcd"
PORT = catalogue.load().port("etcd_client")


@check("etcd health", groups=("etcd",), where=WHERE)
def test_etcd_health(host: Any, ctx: CheckContext) -> None:
    endpoint = f"http://{ctx.node.address}:{PORT}"
    result = host.run(
        f"ETCDCTL_API=3 etcdctl --dial-timeout=3s --endpoints {shlex.quote(endpoint)} "
        "endpoint health"
    )
    text = f"{result.stdout}\n{result.stderr}"
    if result.rc != 0 or "is healthy" not in text:
        fail(f"etcd at {endpoint} is not healthy: {last_line(text) or 'no answer'}")
    ctx.passed(f"{endpoint} healthy")

"""The TLS front door (group haproxy): every frontend's certificate and what plain HTTP gets."""

from __future__ import annotations

import json
from typing import Any

from installer import catalogue
from installer.verify import frontdoor
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import last_line

WHERE = ("roles/haproxy (/etc/haproxy/haproxy.cfg), DEPLOY_DIR/tls; "
         "installer/catalogue/catalogue.yml (front_door)")


@check("tls front door", groups=("haproxy",), where=WHERE)
def test_front_door(host: Any, ctx: CheckContext) -> None:
    """Each frontend answers TLS with a certificate that chains to the deployment's CA, names
    the public host and the management address, and has more than 30 days left; plain HTTP
    fails on the TLS ports and is redirected to https on the dashboard's."""
    cat = catalogue.load(str(ctx.var("openstack_release", catalogue.default_release())))
    public = str(ctx.var("deployment_public_host") or ctx.node.address)
    names = list(dict.fromkeys([public] + ([ctx.node.address]
                                           if ctx.var("deployment_tls_internal") else [])))
    frontends = [frontdoor.Frontend(f.port, f.redirect_port)
                 for f in cat.front_door.enabled(list(ctx.var("deployment_services") or []))]
    connect = str(ctx.var("deployment_public_address") or ctx.node.address)
    result = host.run(frontdoor.command(cat.front_door.ca_file, connect, names, frontends))
    if result.rc != 0:
        fail(f"the probe failed: {last_line(result.stderr) or result.rc}")
    failures, warnings, least = frontdoor.problems(json.loads(result.stdout))
    if failures:
        fail("; ".join(failures))
    ports = ", ".join(str(f.port) for f in frontends)
    ctx.passed(" ".join([*warnings, f"TLS on {ports} for {', '.join(names)}, chain to "
                         f"{cat.front_door.ca_file}, {least:.0f} days left; plain HTTP "
                         "refused, the dashboard's redirected"]))

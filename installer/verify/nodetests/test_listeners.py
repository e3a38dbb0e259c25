"""Every node: nothing listens on a wildcard address that the catalogue does not allow."""

from __future__ import annotations

from typing import Any

from installer import catalogue
from installer.verify import listeners
from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail
from installer.verify.probes import last_line

WHERE = "installer/catalogue/catalogue.yml (listeners), the roles' <role>_bind_address"


@check("listeners", groups=("all",), where=WHERE)
def test_listeners(host: Any, ctx: CheckContext) -> None:
    result = host.run(listeners.COMMAND)
    if result.rc != 0:
        fail(f"{listeners.COMMAND} failed: {last_line(result.stderr) or 'no output'}")
    found = listeners.parse(result.stdout)
    if not found:
        fail(f"{listeners.COMMAND} listed no listening socket (not even SSH)")
    rules = catalogue.load(str(ctx.var("openstack_release", catalogue.default_release())))
    wrong = listeners.unexpected(found, rules.wildcards)
    if wrong:
        fail(f"{ctx.node.name}: on a wildcard address the catalogue does not allow: "
             + "; ".join(map(str, wrong))
             + f" (bind it to {ctx.node.address} or loopback)")
    ctx.passed(listeners.summary(found))

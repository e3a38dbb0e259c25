"""Ceph, when cinder.backend is ceph: the cluster's health, its OSDs and its pools.

The checks run on the monitor node (group ``ceph_mon``) with its admin keyring; that
cinder-volume's RBD backend is up is part of ``api volume services``.
"""

from __future__ import annotations

import json
from typing import Any

from installer.verify.context import CheckContext
from installer.verify.outcome import check, fail, fails_on
from installer.verify.probes import last_line

WHERE = "roles/ceph; ceph -s and journalctl -u ceph-mon@NODE / ceph-osd@ID on the node named"
POOLS = ("volumes", "images")
TIMEOUT = "timeout 30 "


class NoAnswer(Exception):
    """A ``ceph`` command failed or printed no JSON."""


def _ceph_json(host: Any, args: str) -> Any:
    got = host.run(f"{TIMEOUT}ceph --connect-timeout 10 {args} --format json")
    if got.rc != 0:
        raise NoAnswer(last_line(got.stderr) or f"ceph {args} exited {got.rc}")
    try:
        return json.loads(got.stdout or "null")
    except ValueError as exc:
        raise NoAnswer(f"ceph {args}: no JSON ({exc})") from None


#: A check of the cluster fails so when one of its ``ceph`` commands fails.
_cluster_answers = fails_on(NoAnswer, "the cluster does not answer: ")


def expected_osds(ctx: CheckContext) -> int:
    devices = ctx.var("ceph_osd_devices") or []
    return len(ctx.inventory.group("ceph_osd")) * max(len(devices), 1)


@check("ceph cluster health", groups=("ceph_mon",), where=WHERE)
@_cluster_answers
def test_cluster_health(host: Any, ctx: CheckContext) -> None:
    health = _ceph_json(host, "health detail")
    status = health.get("status")
    if status != "HEALTH_OK":
        found = [f"{name}: {(c.get('summary') or {}).get('message', '')}"
                 for name, c in (health.get("checks") or {}).items()]
        fail(f"{status}: {'; '.join(found) or 'no detail'}")
    ctx.passed("HEALTH_OK")


@check("ceph OSDs up and in", groups=("ceph_mon",), where=WHERE)
@_cluster_answers
def test_osds_up(host: Any, ctx: CheckContext) -> None:
    stat = _ceph_json(host, "osd stat")
    tree = _ceph_json(host, "osd tree")
    want = expected_osds(ctx)
    total, up, inn = (int(stat.get(k, 0)) for k in ("num_osds", "num_up_osds", "num_in_osds"))
    down = [f"{n['name']} on {_osd_host(tree, n['id'])}" for n in tree.get("nodes", [])
            if n.get("type") == "osd" and n.get("status") != "up"]
    if total != want or up != want or inn != want:
        detail = f"; down: {', '.join(down)}" if down else ""
        fail(f"{up} of {total} OSDs up and {inn} in, expected {want} up and in{detail}")
    ctx.passed(f"{want} OSDs up and in")


def _osd_host(tree: dict[str, Any], osd: int) -> str:
    for node in tree.get("nodes", []):
        if node.get("type") == "host" and osd in node.get("children", []):
            return str(node.get("name"))
    return "?"


@check("ceph pools", groups=("ceph_mon",), where=WHERE)
@_cluster_answers
def test_pools(host: Any, ctx: CheckContext) -> None:
    detail = _ceph_json(host, "osd pool ls detail")
    have = {p.get("pool_name"): p for p in detail or []}
    missing = [p for p in POOLS if p not in have]
    not_rbd = [p for p in POOLS if p in have
               and "rbd" not in (have[p].get("application_metadata") or {})]
    if missing or not_rbd:
        fail("; ".join(filter(None, [
            f"missing pools: {', '.join(missing)}" if missing else "",
            f"not marked for rbd: {', '.join(not_rbd)}" if not_rbd else ""])))
    sizes = ", ".join(f"{p} size {have[p].get('size')}" for p in POOLS)
    ctx.passed(sizes)

"""run_checks against real hosts: testinfra's local backend runs the commands here."""

import socket
from pathlib import Path

import testinfra

from installer.masking import Masker
from installer.verify.execute import run_checks
from installer.verify.inventory import Connection, Inventory, NodeInfo
from installer.verify.probes import listening_addresses
from installer.verify.registry import Check, failed, passed

SECRET = "Very-Secret-Value-42"


def _node(name: str) -> NodeInfo:
    return NodeInfo(name, "127.0.0.1", ("controller",), frozenset({"all"}),
                    Connection("127.0.0.1"))


def _echo(host, ctx):
    out = host.check_output("echo hello-from-$(id -un)")
    return passed(out)


def _leaky_failure(host, ctx):
    return failed(f"wrong password {ctx.secret('demo_password')} for {ctx.node.name}")


def _crash(host, ctx):
    raise KeyError("no such thing")


CHECKS = [Check("echo", ("all",), _echo), Check("leaky", ("all",), _leaky_failure, "roles/x"),
          Check("crash", ("all",), _crash)]


def test_checks_run_on_every_node_in_parallel_and_secrets_are_masked(tmp_path: Path):
    inv = Inventory((_node("a"), _node("b")))
    secrets = {"demo_password": SECRET}
    results = run_checks(
        {"a": CHECKS, "b": CHECKS[:1]},
        inv,
        secrets,
        lambda node, sock: testinfra.get_host("local://"),
        tmp_path,
        Masker(secrets.values()),
    )
    assert [(r.node, r.check, r.status) for r in results] == [
        ("a", "echo", "pass"),
        ("a", "leaky", "fail"),
        ("a", "crash", "fail"),
        ("b", "echo", "pass"),
    ]
    assert results[0].message.startswith("hello-from-")
    assert SECRET not in results[1].message and "********" in results[1].message
    assert results[1].where == "roles/x"
    assert "could not run" in results[2].message and "no such thing" in results[2].message


def test_unreachable_node_fails_each_of_its_checks_with_the_reason(tmp_path: Path):
    inv = Inventory((_node("gone"),))
    unreachable = Connection("127.0.0.1", port=2, ssh_common_args="-o BatchMode=yes")
    from installer.verify.connect import make_host

    results = run_checks(
        {"gone": CHECKS[:2]}, inv, {}, lambda node, sock: make_host(unreachable, sock),
        tmp_path, Masker([]),
    )
    assert [r.status for r in results] == ["fail", "fail"]
    assert all("cannot reach gone over SSH" in r.message for r in results)
    assert "refused" in results[0].message.lower()


def test_listening_addresses_sees_a_real_loopback_listener():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listening_addresses(testinfra.get_host("local://"), port) == {"127.0.0.1"}

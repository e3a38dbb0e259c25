"""verify reaches a node with ``ansible_connection: local`` (this machine) without SSH."""

from __future__ import annotations

from pathlib import Path

from installer.answers import load
from installer.render import render
from installer.verify.connect import copy_from, copy_to, make_host
from installer.verify.inventory import Connection, read_inventory


def test_the_inventory_marks_the_local_node(four_node: Path, tmp_path: Path):
    four_node.write_text(four_node.read_text().replace(
        "    roles: [controller]", "    roles: [controller]\n    connection: local", 1))
    inv = read_inventory(render(load(four_node), tmp_path / "deploy").out_dir)
    assert inv.node("openstack1").connection.local
    assert inv.node("openstack1").connection.private_key is None
    assert not inv.node("openstack2").connection.local


def test_a_local_node_gets_testinfras_local_backend(tmp_path: Path):
    host = make_host(Connection("10.0.0.11", local=True), tmp_path / "unused-socket")
    assert host.backend.NAME == "local"
    assert host.run("echo here").stdout == "here\n"
    ssh = make_host(Connection("10.0.0.11"), tmp_path / "socket")
    assert ssh.backend.NAME == "ssh"


def test_copies_to_and_from_a_local_node_are_plain_copies(tmp_path: Path):
    conn = Connection("10.0.0.11", local=True)
    source = tmp_path / "a.txt"
    source.write_text("image bytes")
    copy_to(conn, source, str(tmp_path / "b.txt"))
    copy_from(conn, str(tmp_path / "b.txt"), tmp_path / "c.txt")
    assert (tmp_path / "c.txt").read_text() == "image bytes"

"""record_new_host_keys against a real SSH server (paramiko's, on loopback)."""

import contextlib
import socket
import subprocess
import threading
from pathlib import Path

import paramiko
import pytest

from installer.deploy.hostkeys import SshNode, record_new_host_keys, ssh_nodes
from installer.paths import DeployPaths


@pytest.fixture(scope="module")
def host_key(tmp_path_factory) -> paramiko.PKey:
    path = tmp_path_factory.mktemp("hostkey") / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return paramiko.Ed25519Key.from_private_key_file(str(path))


@pytest.fixture
def server(host_key):
    """An SSH server on 127.0.0.1 that completes the key exchange; yields (port, host key)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(host_key)
            with contextlib.suppress(paramiko.SSHException, EOFError):
                transport.start_server(server=paramiko.ServerInterface())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], host_key
    stop.set()
    listener.close()


def test_an_unknown_node_gets_the_key_it_presents_once(server, tmp_path: Path):
    port, key = server
    known = tmp_path / "known_hosts"
    node = SshNode("n1", "127.0.0.1", port)
    assert record_new_host_keys(known, [node]) == ["n1"]
    assert known.read_text() == f"[127.0.0.1]:{port} ssh-ed25519 {key.get_base64()}\n"
    assert record_new_host_keys(known, [node]) == []  # known now: nothing added
    assert len(known.read_text().splitlines()) == 1


def test_a_recorded_key_is_never_replaced(server, tmp_path: Path):
    port, _key = server
    other = paramiko.RSAKey.generate(1024)
    known = tmp_path / "known_hosts"
    before = f"[127.0.0.1]:{port} ssh-rsa {other.get_base64()}\n"
    known.write_text(before)
    assert record_new_host_keys(known, [SshNode("n1", "127.0.0.1", port)]) == []
    assert known.read_text() == before


def test_an_unreachable_node_is_left_to_ansible(tmp_path: Path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    known = tmp_path / "known_hosts"
    assert record_new_host_keys(known, [SshNode("n1", "127.0.0.1", port)]) == []
    assert not known.exists()


def test_port_22_is_written_as_the_bare_address():
    assert SshNode("a", "10.0.0.5", 22).known_hosts_name == "10.0.0.5"
    assert SshNode("a", "10.0.0.5", 2222).known_hosts_name == "[10.0.0.5]:2222"


def test_ssh_nodes_come_from_the_rendered_host_vars(tmp_path: Path):
    paths = DeployPaths(tmp_path)
    paths.host_vars_dir.mkdir(parents=True)
    paths.host_vars("openstack1").write_text("ansible_host: 10.0.0.11\nansible_port: 2222\n")
    paths.host_vars("openstack2").write_text("ansible_host: 10.0.0.12\n")
    paths.host_vars("local1").write_text("ansible_host: 127.0.0.1\nansible_connection: local\n")
    assert ssh_nodes(paths) == [SshNode("openstack1", "10.0.0.11", 2222),
                                SshNode("openstack2", "10.0.0.12", 22)]

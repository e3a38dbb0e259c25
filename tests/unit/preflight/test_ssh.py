import socket
from pathlib import Path

import paramiko
import pytest

from installer.preflight.ssh import LoginFailed, Session, Target


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "id_rsa"
    paramiko.RSAKey.generate(1024).write_private_key_file(str(path))
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends


def test_nothing_listening_is_a_login_failure_with_the_reason(key):
    port = closed_port()
    with pytest.raises(LoginFailed) as caught:
        Session(Target("127.0.0.1", port, "root", key)).login()
    # the socket's own error, not paramiko's "Unable to connect to port N on ..."
    assert str(caught.value) == f"cannot connect to 127.0.0.1:{port}: Connection refused"
    assert caught.value.unreachable and not caught.value.key_unusable


def test_a_listener_that_is_not_ssh(key):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        target = Target("127.0.0.1", port, "root", key)
        # accepts, sends no SSH banner, closes: paramiko's error, never a traceback
        import threading

        def answer() -> None:
            conn, _ = server.accept()
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
            conn.close()

        threading.Thread(target=answer, daemon=True).start()
        with pytest.raises(LoginFailed, match="cannot connect") as caught:
            Session(target).login()
        assert caught.value.unreachable


def test_a_file_that_is_no_key(tmp_path):
    path = tmp_path / "id"
    path.write_text("not a key\n")
    with pytest.raises(LoginFailed, match="cannot read the key") as caught:
        Session(Target("127.0.0.1", closed_port(), "root", path)).login()
    assert caught.value.key_unusable


def test_a_key_with_a_passphrase(tmp_path):
    path = tmp_path / "id_rsa"
    paramiko.RSAKey.generate(1024).write_private_key_file(str(path), password="secret")
    with pytest.raises(LoginFailed, match="encrypted with a passphrase") as caught:
        Session(Target("127.0.0.1", closed_port(), "root", path)).login()
    assert caught.value.key_unusable


def test_a_pem_rsa_key_is_read(key):
    # paramiko 4's key_filename path refuses PEM RSA keys; the key is loaded by its type
    with pytest.raises(LoginFailed, match="cannot connect") as caught:
        Session(Target("127.0.0.1", closed_port(), "root", key)).login()
    assert not caught.value.key_unusable

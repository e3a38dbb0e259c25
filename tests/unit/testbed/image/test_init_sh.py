"""The guest's /init functions, run for real by the guest's busybox (and by the host's sh).

/init only runs its main when it is PID 1, so sourcing it here just defines the functions.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

INIT = Path(__file__).resolve().parents[4] / "installer" / "testbed" / "image" / "init.sh"
BUSYBOX = shutil.which("busybox")
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHv3 alice@example"
KEY_B = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ+/= bob@example"

SHELLS = [
    pytest.param([BUSYBOX, "sh"] if BUSYBOX else [], id="busybox",
                 marks=pytest.mark.skipif(not BUSYBOX, reason="busybox-static not installed")),
    pytest.param(["sh"], id="host-sh"),
]


def call(shell: list[str], script: str, env: dict[str, str] | None = None,
         timeout: float = 30) -> subprocess.CompletedProcess[str]:
    # busybox sh finds its own applets (awk, sed, ...) before the host's on this PATH
    path = f"{Path(BUSYBOX).parent}:/usr/bin:/bin" if shell[0] == BUSYBOX else "/usr/bin:/bin"
    return subprocess.run(
        [*shell, "-c", f'. "{INIT}"\n{script}'], capture_output=True, text=True,
        timeout=timeout, env={"PATH": path, **(env or {})}, check=False,
    )


def run_ok(shell, script, env=None) -> str:
    done = call(shell, script, env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def meta(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "meta_data.json"
    path.write_text(text)
    return path


NOVA = json.dumps({
    "random_seed": "q83vEjRWeJq8", "uuid": "d8e02d56-2648-49a3-bf97-6be8f1204f38",
    "availability_zone": "nova", "keys": [{"data": KEY_A + "\n", "type": "ssh", "name": "a"}],
    "hostname": "smoke-vm.novalocal", "launch_index": 0, "devices": [],
    "meta": {"role": "x"}, "public_keys": {"a": KEY_A + "\n"}, "project_id": "p",
    "name": "smoke-vm",
})


@pytest.mark.parametrize("shell", SHELLS)
def test_nova_meta_data_gives_key_once_and_hostname(shell, tmp_path):
    path = meta(tmp_path, NOVA)
    assert run_ok(shell, f"meta_json_keys {path}") == KEY_A + "\n"
    assert run_ok(shell, f"meta_json_hostname {path}") == "smoke-vm.novalocal\n"


@pytest.mark.parametrize("shell", SHELLS)
def test_pretty_printed_json_with_escapes_and_two_keys(shell, tmp_path):
    text = (
        '{\n  "name" : "n",\n  "meta": {"hostname": "not-this-one"},\n'
        '  "public_keys" :\t{\n    "alice" : "' + KEY_A + '\\n",\n'
        '    "bob": "' + KEY_B.replace("/", "\\/") + '\\r\\n"\n  },\n'
        '  "hostname"  :  "web-1"\n}\n'
    )
    path = meta(tmp_path, text)
    assert run_ok(shell, f"meta_json_keys {path}").splitlines() == [KEY_A, KEY_B]
    assert run_ok(shell, f"meta_json_hostname {path}") == "web-1\n"


@pytest.mark.parametrize("shell", SHELLS)
def test_no_keys_and_no_hostname_falls_back_to_name(shell, tmp_path):
    path = meta(tmp_path, '{"uuid": "u", "name": "only-name", "public_keys": {}}')
    assert run_ok(shell, f"meta_json_keys {path}") == ""
    assert run_ok(shell, f"meta_json_hostname {path}") == "only-name\n"


@pytest.mark.parametrize("shell", SHELLS)
def test_flatten_paths_and_literals(shell, tmp_path):
    path = meta(tmp_path, '{"a": [1, true, {"b": "x y"}], "c": null, "d": "q\\"t"}')
    lines = run_ok(shell, f"json_flatten < {path}").splitlines()
    assert lines == ["a/0\t1", "a/1\ttrue", "a/2/b\tx y", "c\tnull", 'd\tq"t']


@pytest.mark.parametrize("shell", SHELLS)
def test_cmdline_values(shell, tmp_path):
    cmdline = tmp_path / "cmdline"
    cmdline.write_text("BOOT_IMAGE=/vmlinuz console=tty0 console=ttyS0,115200 "
                       "stackinstall.metadata_timeout=7 quiet\n")
    env = {"CMDLINE_FILE": str(cmdline)}
    assert run_ok(shell, "cmdline_value stackinstall.metadata_timeout 60", env) == "7\n"
    assert run_ok(shell, "cmdline_value stackinstall.dhcp_tries 10", env) == "10\n"
    assert run_ok(shell, "consoles", env).split() == ["tty0", "ttyS0"]


class _Metadata(http.server.BaseHTTPRequestHandler):
    PAGES: ClassVar[dict[str, str]] = {
        "/latest/meta-data/hostname": "svc-host.novalocal",
        "/latest/meta-data/public-keys/": "0=alice\n1=bob",
        "/latest/meta-data/public-keys/0/openssh-key": KEY_A + "\n",
        "/latest/meta-data/public-keys/1/openssh-key": KEY_B,
    }

    def do_GET(self):
        body = self.PAGES.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        if body is not None:
            self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def metadata_service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(not BUSYBOX, reason="busybox-static not installed (the guest's wget)")
def test_metadata_service_with_busybox_wget(metadata_service, tmp_path):
    env = {"METADATA_URL": metadata_service, "STATE": str(tmp_path),
           "CMDLINE_FILE": str(tmp_path / "none"), "http_proxy": "", "no_proxy": "*"}
    (tmp_path / "none").write_text("quiet\n")
    run_ok([BUSYBOX, "sh"], "read_metadata_service", env)
    assert (tmp_path / "hostname").read_text() == "svc-host.novalocal\n"
    assert (tmp_path / "keys").read_text().splitlines() == [KEY_A, KEY_B]


@pytest.mark.skipif(not BUSYBOX, reason="busybox-static not installed (the guest's wget)")
def test_metadata_service_gives_up_after_the_timeout(tmp_path):
    with __import__("socket").socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "cmdline").write_text("stackinstall.metadata_timeout=3\n")
    env = {"METADATA_URL": f"http://127.0.0.1:{port}", "STATE": str(tmp_path),
           "CMDLINE_FILE": str(tmp_path / "cmdline"), "no_proxy": "*"}
    started = time.monotonic()
    done = call([BUSYBOX, "sh"], "read_metadata_service", env, timeout=30)
    assert done.returncode != 0
    # gave up by itself: the timeout is 3 s; the bound is loose for a loaded machine
    assert 2.5 < time.monotonic() - started < 25
    assert not (tmp_path / "hostname").exists()

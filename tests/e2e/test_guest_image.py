"""End to end: build the guest image from Debian packages and boot it under qemu (TCG).

With a config drive (on ``-machine pc`` and ``-machine q35``): the console line names the
config drive and the hostname, root logs in over SSH with the key from the drive, a disk
hot-plugged through QMP appears as /dev/vdb, and data written with dd reads back with the
same sha256 (in the guest and in the disk file on the host). With an EC2-style metadata
service (a command on this machine reached through qemu's ``guestfwd``): the same key and
hostname arrive from the service. Without any metadata: ``metadata=none``, quickly when there
is no route to 169.254.169.254, and after the ``stackinstall.metadata_timeout`` when there is
one but nothing answers.

The guest network is qemu's user network with ``restrict=on``: the guest reaches nothing
outside this machine. Every qemu is stopped by its PID. Run alone with
``pytest -m e2e tests/e2e/test_guest_image.py`` as root (it builds into the default cache,
/var/cache/stackinstall/images/guest/, and apt-get installs qemu-system-x86 and genisoimage
when they are missing).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator

import paramiko
import pytest

from installer.testbed.hosttools import Tool
from installer.testbed.image import vm
from installer.testbed.image.build import GuestImage, build_image
from installer.testbed.image.host import ensure_tools
from installer.testbed.image.rootfs import REQUIRED_APPLETS

pytestmark = pytest.mark.e2e

if os.geteuid() != 0:
    pytest.skip("the guest image test needs root (image cache, apt-get)", allow_module_level=True)

VOLUME_BYTES = 64 * 2**20
RESPONDER = """\
import json, sys
pages = json.load(open(sys.argv[1]))
words = sys.stdin.buffer.readline().decode().split()
while sys.stdin.buffer.readline() not in (b"\\r\\n", b"\\n", b""):
    pass
body = pages.get(words[1] if len(words) > 1 else "/")
data = (body if body is not None else "not found").encode()
status = "200 OK" if body is not None else "404 Not Found"
head = f"HTTP/1.0 {status}\\r\\nContent-Length: {len(data)}\\r\\nConnection: close\\r\\n\\r\\n"
sys.stdout.buffer.write(head.encode() + data)
sys.stdout.buffer.flush()
"""


@pytest.fixture(scope="module")
def image() -> GuestImage:
    ensure_tools((Tool("qemu-system-x86_64", "qemu-system-x86"),
                  Tool("genisoimage", "genisoimage")))
    return build_image()


@pytest.fixture(scope="module")
def key() -> paramiko.RSAKey:
    return paramiko.RSAKey.generate(2048)


def public(key: paramiko.RSAKey) -> str:
    return f"{key.get_name()} {key.get_base64()} e2e@stackinstall"


@pytest.fixture
def guests() -> Iterator[list[vm.Guest]]:
    started: list[vm.Guest] = []
    yield started
    for guest in started:
        guest.stop()
        assert guest.process.poll() is not None, f"qemu {guest.pid} still running"


def ssh(guest: vm.Guest, key: paramiko.RSAKey, timeout: float = 90) -> paramiko.SSHClient:
    deadline = time.monotonic() + timeout
    while True:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            client.connect("127.0.0.1", port=guest.ssh_port, username="root", pkey=key,
                           look_for_keys=False, allow_agent=False, timeout=20,
                           banner_timeout=30, auth_timeout=30)
            return client
        except (paramiko.SSHException, OSError):
            client.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def on(client: paramiko.SSHClient, command: str, timeout: float = 120) -> str:
    _in, out, err = client.exec_command(command, timeout=timeout)
    status = out.channel.recv_exit_status()
    text = out.read().decode()
    assert status == 0, f"{command}: exit {status}\n{text}\n{err.read().decode()}"
    return text


def wait_for(client: paramiko.SSHClient, command: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _in, out, _err = client.exec_command(command, timeout=30)
        if out.channel.recv_exit_status() == 0:
            return
        time.sleep(1)
    raise AssertionError(f"still failing after {timeout:.0f} s: {command}")


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_config_drive_ssh_and_volume_hotplug(image, key, guests, tmp_path, machine):
    hostname = f"guest-{machine}"
    drive = vm.make_config_drive(tmp_path / "config.iso", {
        "uuid": "0b1c9d2e-0000-4000-8000-000000000001", "name": hostname,
        "hostname": f"{hostname}", "launch_index": 0, "availability_zone": "nova",
        "public_keys": {"e2e": public(key) + "\n"},
        "keys": [{"name": "e2e", "type": "ssh", "data": public(key) + "\n"}],
        "random_seed": "c2VlZA==",
    })
    guest = vm.boot(image.path, tmp_path / "vm", machine=machine, config_drive=drive)
    guests.append(guest)
    booted = guest.wait_booted(300)
    assert (booted.metadata, booted.hostname, booted.address) == (
        "config-drive", hostname, "10.0.2.15")
    assert guest.console().count("stackinstall-guest booted:") == 1
    print(f"\n{machine}: booted line after {booted.seconds} s, qemu RSS "
          f"{guest.rss_bytes() / 2**20:.0f} MiB")

    client = ssh(guest, key)
    facts = on(client, "hostname; cat /run/stackinstall-guest/metadata-source; "
                       "stat -c %a /root/.ssh/authorized_keys; ls /dev/vd*").split()
    assert facts == [hostname, "config-drive", "600", "/dev/vda"]
    applets = set(on(client, "busybox --list").split())
    assert set(REQUIRED_APPLETS) <= applets

    volume = tmp_path / "volume.raw"
    with open(volume, "wb") as handle:
        handle.truncate(VOLUME_BYTES)
    guest.hotplug_disk(volume)
    wait_for(client, "test -b /dev/vdb")
    assert on(client, "blockdev --getsize64 /dev/vdb").strip() == str(VOLUME_BYTES)
    written = on(client, "dd if=/dev/urandom of=/tmp/data bs=1M count=8 2>/dev/null && "
                         "sha256sum /tmp/data").split()[0]
    on(client, "dd if=/tmp/data of=/dev/vdb bs=1M conv=fsync 2>/dev/null && sync && "
               "echo 3 > /proc/sys/vm/drop_caches")
    read_back = on(client, "dd if=/dev/vdb bs=1M count=8 2>/dev/null | sha256sum").split()[0]
    assert read_back == written
    with open(volume, "rb") as handle:
        assert hashlib.sha256(handle.read(8 * 2**20)).hexdigest() == written
    assert on(client, "cmp /tmp/data /dev/vdb -n 8388608 && echo same").strip() == "same"
    client.close()


def test_metadata_service(image, key, guests, tmp_path):
    """The EC2-style paths, served on 169.254.169.254 by a command qemu runs per connection."""
    pages = {
        "/latest/meta-data/hostname": "svc-guest.novalocal",
        "/latest/meta-data/public-keys/": "0=e2e",
        "/latest/meta-data/public-keys/0/openssh-key": public(key) + "\n",
    }
    (tmp_path / "pages.json").write_text(json.dumps(pages))
    (tmp_path / "responder.py").write_text(RESPONDER)
    command = f"{sys.executable} {tmp_path / 'responder.py'} {tmp_path / 'pages.json'}"
    guest = vm.boot(image.path, tmp_path / "vm", user_net=(
        f"net=169.254.169.0/24,guestfwd=tcp:169.254.169.254:80-cmd:{command}"))
    guests.append(guest)
    booted = guest.wait_booted(300)
    assert (booted.metadata, booted.hostname) == ("metadata-service", "svc-guest.novalocal")
    client = ssh(guest, key)
    assert on(client, "cat /run/stackinstall-guest/metadata-source").strip() == (
        "metadata-service")
    client.close()


def test_no_route_to_the_metadata_service_reports_none(image, guests, tmp_path):
    guest = vm.boot(image.path, tmp_path / "vm")
    guests.append(guest)
    booted = guest.wait_booted(180)
    assert (booted.metadata, booted.address) == ("none", "10.0.2.15")


def test_silent_metadata_service_gives_up_after_the_timeout(image, guests, tmp_path):
    """A route to 169.254.169.254 but nothing answers: the knob bounds the wait."""
    cmdline = f"{image.cmdline} stackinstall.metadata_timeout=5"
    guest = vm.boot(image.path, tmp_path / "vm", direct=(image.kernel, image.initrd, cmdline),
                    user_net="net=169.254.169.0/24")
    guests.append(guest)
    booted = guest.wait_booted(240)
    assert (booted.metadata, booted.address) == ("none", "169.254.169.15")

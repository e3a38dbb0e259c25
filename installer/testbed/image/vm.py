"""Boot the guest image under qemu on this machine, to prove it (tests and benchmarks).

The guest's network is qemu's user-mode network with ``restrict=on``: it reaches nothing
outside this machine; the only way in is one forwarded port on 127.0.0.1 for SSH. The serial
console goes to a file (like nova's console log), the QMP monitor to a UNIX socket, and the
process is stopped by its own PID.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer.errors import GuestImageError
from installer.testbed.image.host import run

#: The line /init prints once, on every console, when the guest is ready.
BOOTED = re.compile(
    r"stackinstall-guest booted: hostname=(?P<hostname>\S+) address=(?P<address>\S+) "
    r"metadata=(?P<metadata>\S+)"
)
#: The PCIe root port a q35 guest gets for disks hot-plugged later (libvirt adds spare ones).
HOTPLUG_PORT = "hotplug0"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_config_drive(path: Path, meta_data: dict[str, Any]) -> Path:
    """An ISO 9660 config drive (volume label config-2) with openstack/latest/meta_data.json."""
    tree = path.with_name(path.name + ".d")
    latest = tree / "openstack" / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    (latest / "meta_data.json").write_text(json.dumps(meta_data))
    run(["genisoimage", "-quiet", "-o", str(path), "-V", "config-2", "-J", "-R", str(tree)],
        hint="install the Debian package genisoimage")
    return path


@dataclass(frozen=True)
class Booted:
    hostname: str
    address: str
    metadata: str
    seconds: float  # from starting qemu to the line on the serial console


@dataclass
class Guest:
    """A running qemu; stop it with :meth:`stop` (by PID)."""

    process: subprocess.Popen[bytes]
    machine: str
    serial: Path
    qmp_path: Path
    ssh_port: int
    started: float
    _qmp: socket.socket | None = field(default=None, repr=False)
    _buffer: bytes = field(default=b"", repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def console(self) -> str:
        return self.serial.read_text(errors="replace") if self.serial.exists() else ""

    def wait_booted(self, timeout: float = 300) -> Booted:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = BOOTED.search(self.console())
            if found:
                return Booted(seconds=round(time.monotonic() - self.started, 1),
                              **found.groupdict())
            if self.process.poll() is not None:
                raise GuestImageError(f"qemu exited with {self.process.returncode} before the "
                                      f"booted line; console:\n{self.console()[-2000:]}")
            time.sleep(0.1)
        raise GuestImageError(f"no booted line within {timeout:.0f} s; console:\n"
                              f"{self.console()[-2000:]}")

    def _read_message(self) -> dict[str, Any]:
        assert self._qmp is not None
        while b"\n" not in self._buffer:
            chunk = self._qmp.recv(65536)
            if not chunk:
                raise GuestImageError("the QMP monitor closed its socket")
            self._buffer += chunk
        line, _sep, self._buffer = self._buffer.partition(b"\n")
        return dict(json.loads(line))

    def qmp(self, command: str, **arguments: Any) -> Any:
        """Run one QMP command and return its result (events in between are skipped)."""
        if self._qmp is None:
            self._qmp = socket.socket(socket.AF_UNIX)
            self._qmp.settimeout(30)
            self._qmp.connect(str(self.qmp_path))
            self._read_message()  # the greeting
            self._qmp.sendall(b'{"execute": "qmp_capabilities"}\n')
            self._read_message()
        request = {"execute": command, **({"arguments": arguments} if arguments else {})}
        self._qmp.sendall(json.dumps(request).encode() + b"\n")
        while True:
            message = self._read_message()
            if "error" in message:
                raise GuestImageError(f"QMP {command}: {message['error'].get('desc')}")
            if "return" in message:
                return message["return"]

    def hotplug_disk(self, path: Path, name: str = "vol1") -> None:
        """Attach ``path`` as a virtio-blk disk to the running guest (it becomes /dev/vdb)."""
        self.qmp("blockdev-add", **{"node-name": name, "driver": "raw",
                                    "file": {"driver": "file", "filename": str(path)}})
        device: dict[str, Any] = {"driver": "virtio-blk-pci", "drive": name, "id": f"dev-{name}"}
        if self.machine == "q35":
            device["bus"] = HOTPLUG_PORT
        self.qmp("device_add", **device)

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        if self._qmp is not None:
            self._qmp.close()
            self._qmp = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def qemu_argv(
    disk: Path,
    workdir: Path,
    ssh_port: int,
    *,
    machine: str = "pc",
    memory_mib: int = 128,
    config_drive: Path | None = None,
    direct: tuple[Path, Path, str] | None = None,
    user_net: str = "",
) -> list[str]:
    """The qemu command line; ``direct`` = (kernel, initrd, cmdline) boots without the BIOS.

    ``user_net`` adds options to the user-mode network (e.g. ``net=...`` or a ``guestfwd``
    to a command on this machine); ``restrict=on`` stays whatever it says.
    """
    if "restrict" in user_net:
        raise GuestImageError("the guest network is always restrict=on")
    extra = f",{user_net}" if user_net else ""
    argv = [
        "qemu-system-x86_64", "-accel", "tcg", "-machine", machine, "-m", str(memory_mib),
        "-smp", "1", "-nodefaults", "-vga", "std", "-display", "none",
        "-serial", f"file:{workdir / 'console.log'}",
        "-qmp", f"unix:{workdir / 'qmp.sock'},server=on,wait=off",
        "-drive", f"file={disk},if=none,id=root,format=raw,snapshot=on",
        "-device", "virtio-blk-pci,drive=root,bootindex=1",
        "-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{ssh_port}-:22{extra}",
        "-device", "virtio-net-pci,netdev=n0",
    ]
    if config_drive is not None:
        # an IDE CD-ROM: PIIX IDE on pc, the ICH9 AHCI controller on q35 (as nova/libvirt do)
        argv += ["-drive", f"file={config_drive},if=none,id=cd0,media=cdrom,readonly=on",
                 "-device", "ide-cd,drive=cd0,bus=ide.1"]
    if machine == "q35":
        argv += ["-device", f"pcie-root-port,id={HOTPLUG_PORT},chassis=1,slot=1"]
    if direct is not None:
        kernel, initrd, cmdline = direct
        argv += ["-kernel", str(kernel), "-initrd", str(initrd), "-append", cmdline]
    return argv


def boot(disk: Path, workdir: Path, **options: Any) -> Guest:
    """Start qemu (see :func:`qemu_argv` for the options) and return at once."""
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("console.log", "qmp.sock"):
        (workdir / stale).unlink(missing_ok=True)
    port = free_port()
    argv = qemu_argv(disk, workdir, port, **options)
    log = open(workdir / "qemu.log", "wb")  # noqa: SIM115 - qemu keeps writing to it
    started = time.monotonic()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    guest = Guest(process, options.get("machine", "pc"), workdir / "console.log",
                  workdir / "qmp.sock", port, started)
    deadline = time.monotonic() + 10
    while not guest.qmp_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            guest.stop()
            raise GuestImageError("qemu did not start: "
                                  + (workdir / "qemu.log").read_text(errors="replace")[-1000:])
        time.sleep(0.05)
    return guest

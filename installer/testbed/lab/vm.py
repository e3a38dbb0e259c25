"""Booting and stopping one VM node: a qemu guest beside the containers.

The guest boots the cached VM image (``vmimage``) through a qcow2 overlay of its own, with
the image's kernel and initramfs given from outside. It has a second virtio disk (serial
``data``: ``/dev/vdb``, ``/dev/disk/by-id/virtio-data``) for ``cinder.device`` or
``ceph.osd_devices``, and a small read-only seed disk with its identity (host name, hosts,
SSH host keys, the lab's key, apt sources and proxy), which the guest copies onto its root
on its first boot. Its two NICs are taps on the lab's management and provider bridges
(``eth0``, ``eth1``, like a container's veths), addressed by the guest from its seed.
qemu runs detached with its QMP socket in the node's directory; it is stopped by an ACPI
power-down over QMP (the guest shuts down cleanly) and killed by PID only if that
does not finish in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from installer.testbed.lab.accel import QEMU, Accel
from installer.testbed.lab.system import (
    ProcessRef,
    is_alive,
    kill_all,
    process_cmdline,
    ref_for,
    run,
    wait_reaped,
)
from installer.testbed.lab.topology import VmSpec
from installer.testbed.lab.vmimage import SEED_LABEL, VmImage, mkfs_argv

STOP_TIMEOUT = 60.0
#: The guest's name of its data disk (the second virtio disk): what the lab's answer file
#: gives cinder.device on a storage VM.
DATA_DISK_DEVICE = "/dev/vdb"
SEED_SIZE = "16M"
QEMU_MARKER = "qemu-system"


@dataclass(frozen=True)
class VmFiles:
    """The node's files under its lab directory."""

    node_dir: Path

    @property
    def overlay(self) -> Path:
        return self.node_dir / "root.qcow2"

    @property
    def data(self) -> Path:
        return self.node_dir / "data.qcow2"

    @property
    def seed_tree(self) -> Path:
        return self.node_dir / "seed"

    @property
    def seed(self) -> Path:
        return self.node_dir / "seed.raw"

    @property
    def qmp(self) -> Path:
        return self.node_dir / "qmp.sock"

    @property
    def console(self) -> Path:
        return self.node_dir / "console.log"


@dataclass(frozen=True)
class Nic:
    tap: str
    mac: str


def guest_name(lab: str, node: str) -> str:
    """qemu's ``-name guest=``: how a lab's qemu is recognised in the process table."""
    return f"si-{lab}-{node}"


def kernel_cmdline(hostname: str, accel: Accel) -> str:
    """Root by label, serial console, the names eth0/eth1, the host name from the first boot
    on. No ``ip=``: the guest's seed unit addresses its links (no gateway: nodes have no
    default route)."""
    return " ".join([
        "root=LABEL=si-root", "rw", "console=ttyS0", "net.ifnames=0", "panic=-1",
        f"systemd.hostname={hostname}", *accel.cmdline,
    ])


def qemu_argv(
    *,
    name: str,
    spec: VmSpec,
    accel: Accel,
    image: VmImage,
    files: VmFiles,
    nics: tuple[Nic, Nic],
    cmdline: str,
    qemu: str = QEMU,
) -> list[str]:
    argv = [
        qemu, "-name", f"guest={name}", "-machine", "q35", *accel.argv,
        "-smp", str(spec.cpus), "-m", f"{spec.memory_mib}M",
        "-nodefaults", "-no-user-config", "-display", "none",
        "-chardev", f"file,id=console,path={files.console},append=on",
        "-serial", "chardev:console",
        "-qmp", f"unix:{files.qmp},server=on,wait=off",
        "-kernel", str(image.kernel), "-initrd", str(image.initrd), "-append", cmdline,
    ]
    for disk, fmt, extra in ((files.overlay, "qcow2", ",discard=unmap"),
                             (files.data, "qcow2", ",discard=unmap"),
                             (files.seed, "raw", ",readonly=on")):
        ident = disk.stem.split(".")[0]
        argv += ["-drive", f"file={disk},if=none,id={ident},format={fmt}{extra}",
                 "-device", f"virtio-blk-pci,drive={ident},serial={ident}"]
    for i, nic in enumerate(nics):
        argv += ["-netdev", f"tap,id=net{i},ifname={nic.tap},script=no,downscript=no",
                 "-device", f"virtio-net-pci,netdev=net{i},mac={nic.mac}"]
    argv += ["-device", "virtio-balloon-pci,free-page-reporting=on",
             "-device", "virtio-rng-pci"]
    return argv


def tap_argv(tap: str) -> list[str]:
    return ["ip", "tuntap", "add", "dev", tap, "mode", "tap"]


def ensure_tap(tap: str, bridge: str) -> None:
    """A persistent tap on ``bridge`` (qemu opens it by name); kept until `lab down`."""
    if run(["ip", "link", "show", "dev", tap], check=False).returncode != 0:
        run(tap_argv(tap))
    run(["ip", "link", "set", "dev", tap, "master", bridge, "up"])


def ensure_disks(image: VmImage, files: VmFiles, spec: VmSpec) -> list[str]:
    """The root overlay and the data disk, each made once (a restart keeps them)."""
    made = []
    files.node_dir.mkdir(parents=True, exist_ok=True)
    if not files.overlay.exists():
        run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(image.disk),
             str(files.overlay)])
        made.append(str(files.overlay))
    if not files.data.exists():
        run(["qemu-img", "create", "-q", "-f", "qcow2", str(files.data),
             f"{spec.data_disk_gib}G"])
        made.append(str(files.data))
    return made


#: Debian's open-iscsi names initiators iqn.1993-08.org.debian:01:<12 hex digits>.
INITIATOR_PREFIX = "iqn.1993-08.org.debian:01"


def write_seed(files: VmFiles, management: str, provider: str | None) -> None:
    """Pack the seed tree (written by ``rootfs.configure``) into the seed disk, with the
    node's addresses (``ADDRESS/PREFIX``) for its seed unit."""
    tree = files.seed_tree
    (tree / "etc" / "machine-id").unlink(missing_ok=True)  # the guest makes its own
    # the image's layer installed open-iscsi once for every node: each gets its own name
    # (on a server, open-iscsi's postinst makes it when the package installs)
    iscsi = tree / "etc" / "iscsi"
    iscsi.mkdir(parents=True, exist_ok=True)
    name = iscsi / "initiatorname.iscsi"
    name.write_text("# Written by stackinstall lab: this node's own iSCSI initiator name.\n"
                    f"InitiatorName={INITIATOR_PREFIX}:{secrets.token_hex(6)}\n")
    name.chmod(0o600)
    conf = tree / "etc" / "stackinstall"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "management-address").write_text(management)
    (conf / "provider-address").write_text(provider or "")
    files.seed.unlink(missing_ok=True)
    run(mkfs_argv(tree, files.seed, SEED_LABEL, SEED_SIZE))


def start(argv: list[str], log: Path) -> ProcessRef:
    """Start qemu detached, in its own session, its own output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} start qemu\n".encode())
        out.flush()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                close_fds=True)
    time.sleep(0.3)
    if proc.poll() is not None:
        from installer.errors import LabError

        raise LabError(f"qemu exited at once with {proc.returncode}", hint=f"read {log}")
    return ref_for(proc.pid, QEMU_MARKER)


def qmp_command(socket_path: Path, command: str, timeout: float = 5.0) -> dict[str, object]:
    """Send one QMP command (after the capabilities handshake); return its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(socket_path))
        stream = sock.makefile("rwb")
        stream.readline()  # greeting
        for cmd in ("qmp_capabilities", command):
            stream.write(json.dumps({"execute": cmd}).encode() + b"\n")
            stream.flush()
            while True:
                answer: dict[str, object] = json.loads(stream.readline())
                if "return" in answer or "error" in answer:
                    break
        return answer


def _wait_gone(ref: ProcessRef, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(ref.pid, os.WNOHANG)
        if not is_alive(ref):
            return True
        time.sleep(0.2)
    return not is_alive(ref)


def stop(ref: ProcessRef, qmp: Path, timeout: float = STOP_TIMEOUT) -> str:
    """ACPI power-down (a clean guest shutdown), then SIGKILL by PID if it takes too long."""
    if not is_alive(ref):
        return "not running"
    with contextlib.suppress(OSError, ValueError):
        qmp_command(qmp, "system_powerdown")
        if _wait_gone(ref, timeout):
            wait_reaped(ref.pid)
            return "stopped"
    if is_alive(ref):
        os.kill(ref.pid, signal.SIGKILL)
        _wait_gone(ref, 5)
    wait_reaped(ref.pid)
    return "killed"


def memory_bytes(ref: ProcessRef, proc_root: Path = Path("/proc")) -> int | None:
    """Resident memory of the qemu process (the guest's touched RAM plus qemu), or None."""
    try:
        status = (proc_root / str(ref.pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def lab_qemus(lab: str, node: str | None = None, proc_root: Path = Path("/proc")) -> list[int]:
    """PIDs of qemu processes whose ``-name guest=`` belongs to ``lab`` (or to its ``node``),
    whether the state file records them or not."""
    wanted = f"guest={guest_name(lab, node or '')}"
    found = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        argv = process_cmdline(int(entry.name), proc_root)
        if argv and QEMU_MARKER in Path(argv[0]).name and any(
                (a == wanted if node else a.startswith(wanted)) for a in argv):
            found.append(int(entry.name))
    return sorted(found)


def kill_orphans(lab: str, node: str | None = None) -> list[int]:
    """SIGKILL the lab's (or the node's) qemu processes the state does not record."""
    return kill_all(lab_qemus(lab, node))

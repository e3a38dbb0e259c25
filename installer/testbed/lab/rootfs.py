"""A node's root filesystem: an overlay over the cached image, plus the node's own files.

The node's changes live in its own upper directory, so stopping and starting a node keeps
its disk, and ``lab down`` deletes it. Identity files (host name, SSH host keys, machine id)
are written per node and never shared through the image.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from installer.testbed.lab.system import run
from installer.testbed.lab.topology import LabNode


def overlay_options(lower: Path, upper: Path, work: Path) -> str:
    return f"lowerdir={lower},upperdir={upper},workdir={work}"


def is_mounted(path: Path, mountinfo: Path = Path("/proc/self/mountinfo")) -> bool:
    target = str(path)
    for line in mountinfo.read_text().splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[4].replace("\\040", " ") == target:
            return True
    return False


def ensure_mounted(image: Path, node_dir: Path) -> Path:
    """Mount (once) the overlay of ``image`` at ``node_dir/root``; return the mount point."""
    upper, work, root = node_dir / "upper", node_dir / "work", node_dir / "root"
    for d in (upper, work, root):
        d.mkdir(parents=True, exist_ok=True)
    if not is_mounted(root):
        run(["mount", "-t", "overlay", "overlay", "-o",
             overlay_options(image, upper, work), str(root)])
    return root


def unmount(root: Path) -> bool:
    if not is_mounted(root):
        return False
    run(["umount", str(root)])
    return True


def hosts_file(nodes: Sequence[LabNode], bridge_address: str, lab: str) -> str:
    lines = [
        "# Written by stackinstall lab.",
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "ff02::1\tip6-allnodes",
        "ff02::2\tip6-allrouters",
        f"{bridge_address}\tsi-{lab}-host",
    ]
    lines += [f"{n.address}\t{n.name}" for n in nodes]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_text(text)
    os.chmod(path, mode)


def configure(
    root: Path,
    node: LabNode,
    *,
    nodes: Sequence[LabNode],
    lab: str,
    bridge_address: str,
    sources: str,
    apt_proxy_conf: str,
    authorized_key: str,
) -> None:
    """Write the node's identity and configuration into its (mounted) root."""
    etc = root / "etc"
    _write(etc / "hostname", node.name + "\n")
    _write(etc / "hosts", hosts_file(nodes, bridge_address, lab))
    _write(etc / "resolv.conf", "# lab nodes have no DNS: names come from /etc/hosts\n")
    (etc / "apt" / "sources.list").unlink(missing_ok=True)
    _write(etc / "apt" / "sources.list.d" / "debian.sources", sources)
    _write(etc / "apt" / "apt.conf.d" / "01stackinstall-lab-proxy", apt_proxy_conf)
    machine_id = etc / "machine-id"
    if not machine_id.exists() or not machine_id.read_text().strip():
        _write(machine_id, secrets.token_hex(16) + "\n", 0o444)
    ssh_dir = root / "root" / ".ssh"
    ssh_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(ssh_dir, 0o700)
    _write(ssh_dir / "authorized_keys", authorized_key.strip() + "\n", 0o600)
    _ensure_host_keys(etc / "ssh")
    _write(
        etc / "ssh" / "sshd_config.d" / "stackinstall-lab.conf",
        "# Written by stackinstall lab: per-node host keys, root login by key only.\n"
        "HostKey /etc/ssh/ssh_host_ed25519_key\n"
        "HostKey /etc/ssh/ssh_host_ecdsa_key\n"
        "PermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\n"
        "UseDNS no\n",
    )


def _ensure_host_keys(ssh_dir: Path) -> None:
    for kind in ("ed25519", "ecdsa"):
        key = ssh_dir / f"ssh_host_{kind}_key"
        if key.exists():
            continue
        run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "", "-f", str(key)])


def host_public_keys(root: Path) -> list[str]:
    return [
        p.read_text().split()[0] + " " + p.read_text().split()[1]
        for p in sorted((root / "etc" / "ssh").glob("ssh_host_*_key.pub"))
    ]

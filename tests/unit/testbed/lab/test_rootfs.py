"""Node files are written into a plain directory standing in for the mounted overlay."""

from __future__ import annotations

import stat
from pathlib import Path

from installer.testbed.lab import rootfs
from installer.testbed.lab.sources import Mirrors, node_sources
from installer.testbed.lab.topology import plan_default


def _configure(root: Path, index: int) -> None:
    plan = plan_default("lab", 3, "10.213.0.0/24")
    (root / "etc" / "ssh").mkdir(parents=True)
    (root / "etc" / "apt").mkdir(parents=True)
    (root / "etc" / "apt" / "sources.list").write_text("deb http://x bookworm main\n")
    rootfs.configure(
        root, plan.nodes[index], nodes=plan.nodes, lab="lab", bridge_address=plan.bridge_address,
        sources=node_sources(Mirrors()), apt_proxy_conf='Acquire::http::Proxy "http://p:3142";\n',
        authorized_key="ssh-ed25519 AAAAkey lab",
    )


def test_node_identity_and_configuration(tmp_path):
    root = tmp_path / "n1"
    _configure(root, 0)
    assert (root / "etc/hostname").read_text() == "openstack1\n"
    hosts = (root / "etc/hosts").read_text()
    for line in ("10.213.0.11\topenstack1", "10.213.0.12\topenstack2", "10.213.0.13\topenstack3"):
        assert line in hosts
    assert not (root / "etc/apt/sources.list").exists()
    assert "bookworm-security" in (root / "etc/apt/sources.list.d/debian.sources").read_text()
    assert "3142" in (root / "etc/apt/apt.conf.d/01stackinstall-lab-proxy").read_text()
    keys = root / "root/.ssh/authorized_keys"
    assert keys.read_text() == "ssh-ed25519 AAAAkey lab\n"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "root/.ssh").stat().st_mode) == 0o700
    assert len((root / "etc/machine-id").read_text().strip()) == 32
    assert "nameserver" not in (root / "etc/resolv.conf").read_text()


def test_host_keys_and_machine_ids_are_per_node_and_stable(tmp_path):
    _configure(tmp_path / "a", 0)
    _configure(tmp_path / "b", 1)
    keys_a = rootfs.host_public_keys(tmp_path / "a")
    keys_b = rootfs.host_public_keys(tmp_path / "b")
    assert len(keys_a) == 2 and not set(keys_a) & set(keys_b)
    mid = (tmp_path / "a/etc/machine-id").read_text()
    assert mid != (tmp_path / "b/etc/machine-id").read_text()
    # configuring again (a restart) keeps the identity
    plan = plan_default("lab", 3, "10.213.0.0/24")
    rootfs.configure(tmp_path / "a", plan.nodes[0], nodes=plan.nodes, lab="lab",
                     bridge_address="10.213.0.1", sources="", apt_proxy_conf="",
                     authorized_key="k")
    assert rootfs.host_public_keys(tmp_path / "a") == keys_a
    assert (tmp_path / "a/etc/machine-id").read_text() == mid


def test_is_mounted_reads_mountinfo(tmp_path):
    info = tmp_path / "mountinfo"
    info.write_text(
        "22 1 0:21 / / rw - ext4 /dev/vda rw\n"
        "99 22 0:50 / /var/lib/stackinstall/lab/x/nodes/n1/root rw - overlay overlay rw\n"
    )
    assert rootfs.is_mounted(Path("/var/lib/stackinstall/lab/x/nodes/n1/root"), info)
    assert not rootfs.is_mounted(Path("/var/lib/stackinstall/lab/x/nodes/n2/root"), info)

"""Command lines the lab builds for the tools it drives."""

from __future__ import annotations

from pathlib import Path

from installer.testbed.lab import aptproxy, container, image, network, rootfs, ssh
from installer.testbed.lab.sources import Mirrors


def test_nspawn_runs_without_a_host_systemd_inside_the_lab_namespace():
    argv = container.nspawn_argv(Path("/r"), "openstack1", Path("/run/netns/si-lab-openstack1"),
                                 machine="si-lab-openstack1")
    assert argv[0] == "systemd-nspawn"
    for flag in ("--keep-unit", "--register=no", "--boot", "--directory=/r",
                 "--hostname=openstack1", "--console=read-only",
                 "--network-namespace-path=/run/netns/si-lab-openstack1"):
        assert flag in argv
    assert not any(a.startswith(("--network-veth", "--private-users")) for a in argv)
    assert "--capability=CAP_NET_ADMIN" in argv  # neutron manages the node's own links


def test_debootstrap_builds_a_minbase_bookworm_with_systemd_and_sshd():
    argv = image.debootstrap_argv(Path("/tmp/x"), "http://deb.debian.org/debian")
    assert argv[:2] == ["debootstrap", "--variant=minbase"]
    include = argv[2].removeprefix("--include=").split(",")
    assert {"systemd", "systemd-sysv", "dbus", "openssh-server", "python3"} <= set(include)
    assert argv[3:] == ["bookworm", "/tmp/x", "http://deb.debian.org/debian"]


def test_image_key_changes_with_the_recipe():
    a = image.image_key("http://deb.debian.org/debian")
    assert a == image.image_key("http://deb.debian.org/debian")
    assert a != image.image_key("http://other.example/debian")
    assert a != image.image_key("http://deb.debian.org/debian", packages=(*image.PACKAGES, "vim"))


def test_veth_pair_is_created_straight_into_the_namespace():
    assert network.veth_argv("si-lab-1m", "si-lab-openstack1", "eth0", "02:00:00:00:00:01") == [
        "ip", "link", "add", "name", "si-lab-1m", "type", "veth",
        "peer", "name", "eth0", "address", "02:00:00:00:00:01", "netns", "si-lab-openstack1",
    ]


def test_guard_route_is_unreachable_with_a_high_metric():
    argv = network.guard_route_argv("10.213.0.0/24")
    assert argv == ["ip", "route", "replace", "unreachable", "10.213.0.0/24",
                    "metric", str(network.GUARD_METRIC)]
    assert network.GUARD_METRIC > 1000


def test_overlay_options():
    assert rootfs.overlay_options(Path("/i"), Path("/u"), Path("/w")) == (
        "lowerdir=/i,upperdir=/u,workdir=/w"
    )


def test_ssh_is_non_interactive_and_pins_host_keys():
    argv = ssh.ssh_argv("10.213.0.11", Path("/k"), Path("/kh"), ["echo", "a b"])
    assert "BatchMode=yes" in argv and "StrictHostKeyChecking=yes" in argv
    assert "UserKnownHostsFile=/kh" in argv
    assert argv[-4:] == ["root", "10.213.0.11", "--", "echo 'a b'"]
    assert ssh.ssh_argv("h", Path("/k"), Path("/kh"), tty=True)[-4:] == ["-t", "-l", "root", "h"]


def test_apt_cacher_config_avoids_the_known_traps(tmp_path):
    mirrors = Mirrors("http://deb.debian.org/debian", "http://deb.debian.org/debian-security")
    aptproxy.write_config(tmp_path / "conf", tmp_path / "cache", "10.213.0.1", mirrors)
    conf = (tmp_path / "conf" / "acng.conf").read_text()
    assert "ConnectProto: v4" in conf
    assert "BindAddress: 10.213.0.1" in conf
    assert f"CacheDir: {tmp_path / 'cache'}" in conf
    assert f"SocketPath: {tmp_path / 'conf' / 'socket'}" in conf
    assert "deb.debian.org/debian-security" in conf
    assert (tmp_path / "conf" / "backends_debian").read_text() == "http://deb.debian.org/debian/\n"


def test_known_hosts_lines():
    text = ssh.known_hosts_lines([("n1", "10.0.0.11", ["ssh-ed25519 AAA", "ecdsa-sha2 BBB"])])
    assert text == "n1,10.0.0.11 ssh-ed25519 AAA\nn1,10.0.0.11 ecdsa-sha2 BBB\n"


def test_only_pid_namespace_inits_are_taken_for_container_inits(tmp_path):
    import os

    for pid, nspid in ((100, "100\t1"), (101, "101\t7"), (102, "102")):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "status").write_text(f"Name:\tx\nNSpid:\t{nspid}\n")
    assert container.namespace_inits([100, 101, 102, 103], tmp_path) == [100]
    # this very process lives in the host's PID namespace: not a container init
    assert container.namespace_inits([os.getpid()]) == []

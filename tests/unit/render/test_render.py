"""`render`: the deployment directory is exactly what docs/contracts.md promises."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml
from click.testing import CliRunner

from installer.answers import load
from installer.cli import main
from installer.render import render


def test_render_writes_inventory_vars_and_private_secrets(four_node: Path, tmp_path: Path):
    dep = load(four_node)
    out = tmp_path / "deploy"
    result = render(dep, out)
    inv = out / "inventory"
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())["all"]
    assert list(hosts["hosts"]) == ["openstack1", "openstack2", "openstack3", "openstack4"]
    groups = {g: sorted(v["hosts"] or {}) for g, v in hosts["children"].items()}
    assert groups["controller"] == ["openstack1"] and groups["network"] == ["openstack2"]
    assert groups["compute"] == ["openstack3"] and groups["storage"] == ["openstack4"]
    assert groups["mariadb"] == ["openstack1"] and groups["nova_compute"] == ["openstack3"]
    assert groups["chrony_client"] == ["openstack2", "openstack3", "openstack4"]
    assert groups["neutron_l2_agent"] == ["openstack2", "openstack3"]
    assert groups["cinder_volume"] == ["openstack4"]
    main_vars = yaml.safe_load((inv / "group_vars/all/main.yml").read_text())
    assert main_vars["deployment_controller"] == "openstack1"
    assert main_vars["deployment_controller_address"] == "10.0.0.11"
    assert main_vars["chrony_allow"] == ["10.0.0.0/24"]
    assert len(main_vars["deployment_nodes"]) == 4
    hv = yaml.safe_load((inv / "host_vars/openstack3.yml").read_text())
    assert hv["ansible_host"] == "10.0.0.13" and hv["node_roles"] == ["compute"]
    assert str(out / "known_hosts") in hv["ansible_ssh_common_args"]
    spath = inv / "group_vars/all/secrets.yml"
    assert stat.S_IMODE(spath.stat().st_mode) == 0o600
    assert yaml.safe_load(spath.read_text()) == dict(dep.secrets)
    for path in result.files:
        if path != spath:
            text = path.read_text()
            assert not any(v in text for v in dep.secrets.values()), f"secret in {path}"
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 != 0o077


def test_disabled_services_have_no_groups(four_node: Path, tmp_path: Path):
    text = four_node.read_text().replace(
        "services: [keystone, glance, placement, nova, neutron, cinder, horizon]",
        "services: [keystone, glance, placement, nova, neutron]")
    text = text.replace("roles: [storage]", "roles: [compute]")
    four_node.write_text(text)
    out = tmp_path / "d"
    render(load(four_node), out)
    groups = yaml.safe_load((out / "inventory/hosts.yml").read_text())["all"]["children"]
    assert "cinder_volume" not in groups and "cinder_controller" not in groups
    assert "horizon" not in groups
    assert "nova_compute" in groups and "neutron_server" in groups and "mariadb" in groups


def test_overrides_reach_group_vars(four_node: Path, tmp_path: Path):
    four_node.write_text(four_node.read_text().replace(
        "overrides: {}", "overrides: {nova: {nova.conf: {DEFAULT: {debug: true}}}}"))
    render(load(four_node), tmp_path / "d")
    main_vars = yaml.safe_load((tmp_path / "d/inventory/group_vars/all/main.yml").read_text())
    assert main_vars["nova_config_overrides"] == {"nova.conf": {"DEFAULT": {"debug": True}}}


def test_removed_node_leaves_the_inventory(four_node: Path, tmp_path: Path):
    out = tmp_path / "d"
    render(load(four_node), out)
    text = four_node.read_text()
    start = text.index("  - name: openstack4")
    end = text.index("\n\n", start)
    four_node.write_text(text[:start] + text[end + 1:].replace(
        "roles: [compute]", "roles: [compute, storage]", 1))
    four_node.write_text(four_node.read_text().replace("    roles: [compute]\n",
                                                       "    roles: [compute, storage]\n"))
    render(load(four_node), out)
    assert not (out / "inventory/host_vars/openstack4.yml").exists()


def test_render_cli_never_prints_secrets(four_node: Path, tmp_path: Path):
    result = CliRunner().invoke(main, ["render", str(four_node), "-o", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    dep = load(four_node)
    assert not any(v in result.output for v in dep.secrets.values())
    assert "mode 0600" in result.output


def test_render_refuses_invalid_file_and_writes_nothing(four_node: Path, tmp_path: Path):
    four_node.write_text(four_node.read_text().replace("port: 22", "port: x"))
    result = CliRunner().invoke(main, ["render", str(four_node), "-o", str(tmp_path / "d")])
    assert result.exit_code == 3 and "ssh.port" in result.output
    assert not (tmp_path / "d").exists()


def test_each_node_lists_the_components_its_groups_and_settings_select(
        four_node: Path, tmp_path: Path):
    """deployment_components: what the bootstrap phase installs in one transaction."""
    out = tmp_path / "d"
    render(load(four_node), out)

    def components(node: str) -> list[str]:
        path = out / f"inventory/host_vars/{node}.yml"
        return yaml.safe_load(path.read_text())["deployment_components"]

    assert {"mariadb", "keystone", "nova_controller", "horizon"} <= set(components("openstack1"))
    assert "nova_compute" in components("openstack3")
    assert "cinder_lvm" in components("openstack4") and "ceph_osd" not in components("openstack4")
    # the settings choose among a group's components: Ceph instead of LVM, qemu instead of kvm
    four_node.write_text(four_node.read_text().replace("backend: loop", "backend: ceph")
                         .replace("virt_type: kvm", "virt_type: qemu"))
    render(load(four_node), out)
    assert {"ceph_mon", "ceph_osd", "cinder_rbd"} <= set(components("openstack4"))
    assert "cinder_lvm" not in components("openstack4")
    assert {"nova_compute_qemu", "nova_rbd"} <= set(components("openstack3"))
    assert "nova_compute_kvm" not in components("openstack3")


def test_a_local_node_gets_the_local_connection_and_no_ssh_settings(four_node: Path,
                                                                     tmp_path: Path):
    text = four_node.read_text().replace("    roles: [controller]",
                                         "    roles: [controller]\n    connection: local", 1)
    four_node.write_text(text)
    out = tmp_path / "deploy"
    render(load(four_node), out)
    local = yaml.safe_load((out / "inventory/host_vars/openstack1.yml").read_text())
    remote = yaml.safe_load((out / "inventory/host_vars/openstack2.yml").read_text())
    assert local["ansible_connection"] == "local"
    assert not {k for k in local if k.startswith("ansible_ssh") or k in (
        "ansible_user", "ansible_port")}
    assert local["ansible_become"] is False  # the tests run as root, as deploy does
    assert local["node_address"] == local["ansible_host"] == "10.0.0.11"
    assert local["ansible_python_interpreter"] == remote["ansible_python_interpreter"]
    assert "ansible_connection" not in remote
    assert remote["ansible_ssh_private_key_file"] and remote["ansible_user"] == "root"


def test_a_local_node_becomes_root_by_sudo_when_stackinstall_is_not_root(
        four_node: Path, tmp_path: Path, monkeypatch):
    four_node.write_text(four_node.read_text().replace(
        "    roles: [controller]", "    roles: [controller]\n    connection: local", 1))
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    out = tmp_path / "deploy"
    render(load(four_node), out)
    local = yaml.safe_load((out / "inventory/host_vars/openstack1.yml").read_text())
    assert local["ansible_become"] is True

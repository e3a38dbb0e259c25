"""Every validation rule, table-driven: a broken file must name the key, the line and a fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from installer.answers import check

# (case id, replace this text in four-node.yml, with this, expected key, expected message part)
CASES = [
    ("unknown-top-key", "services:", "servise:", "servise", "did you mean 'services'"),
    ("unknown-section-key", "  become: false", "  becom: false", "ssh.becom",
     "did you mean 'become'"),
    ("unknown-node-key", "    address: 10.0.0.12", "    adress: 10.0.0.12", "nodes[1].adress",
     "did you mean 'address'"),
    ("wrong-type-int", "  port: 22", "  port: twenty", "ssh.port", "must be a port number"),
    ("wrong-type-bool", "  become: false", "  become: maybe", "ssh.become", "true or false"),
    ("wrong-type-list", "  allow: []", "  allow: 10.0.0.0/24", "ntp.allow", "must be a list"),
    ("openvswitch-refused", "  mechanism_driver: linuxbridge", "  mechanism_driver: openvswitch",
     "network.mechanism_driver", "has never run with zed"),
    ("port-range", "  port: 22", "  port: 70000", "ssh.port", "not a TCP port"),
    ("invalid-ip", "    address: 10.0.0.13", "    address: 10.0.0.300", "nodes[2].address",
     "not an IP address"),
    ("invalid-cidr", "  management_cidr: 10.0.0.0/24", "  management_cidr: 10.0.0.0/33",
     "network.management_cidr", "CIDR"),
    ("cidr-host-bits", "  management_cidr: 10.0.0.0/24", "  management_cidr: 10.0.0.5/24",
     "network.management_cidr", "host bits"),
    ("outside-cidr", "    address: 10.0.0.14", "    address: 10.9.0.14", "nodes[3].address",
     "outside network.management_cidr"),
    ("duplicate-name", "  - name: openstack2", "  - name: openstack1", "nodes[1].name",
     "duplicate node name"),
    ("duplicate-address", "    address: 10.0.0.12", "    address: 10.0.0.11",
     "nodes[1].address", "duplicate address"),
    ("invalid-hostname", "  - name: openstack3", "  - name: open_stack3", "nodes[2].name",
     "not a valid hostname"),
    ("two-controllers", "    roles: [network]", "    roles: [controller]", "nodes",
     "exactly one is needed"),
    ("no-controller", "    roles: [controller]", "    roles: [network]", "nodes",
     "0 controller nodes"),
    ("no-compute", "    roles: [compute]", "    roles: [storage]", "nodes", "no compute node"),
    ("unknown-role", "    roles: [storage]", "    roles: [storage, dns]", "nodes[3].roles[1]",
     "'dns' is not one of"),
    ("unknown-key-did-you-mean", "  distro: auto", "  distro: debian\n  releese: zed",
     "deployment.releese", "did you mean 'release'"),
    ("unknown-release", "  release: zed", "  release: zad", "deployment.release",
     "did you mean 'zed'"),
    ("unknown-service", "services: [keystone,", "services: [keystne,", "services[0]",
     "did you mean 'keystone'"),
    ("nodes-as-mapping", "nodes:\n", "nodes: {openstack1: 10.0.0.11}\nold_nodes:\n",
     "nodes", "must be a list"),
    ("section-as-list", "ssh:\n", "ssh:\n  - a\nold_ssh:\n", "ssh", "must be a mapping"),
    ("empty-required", "  user: root", "  user: ''", "ssh.user", "must be text"),
    ("bad-enum", "  virt_type: kvm", "  virt_type: xen", "nova.virt_type", "not one of"),
    ("bad-upgrade-policy", "  upgrade: first", "  upgrade: sometimes", "repos.upgrade",
     "not one of"),
    ("bad-url", "  proxy: ''", "  proxy: ftp://proxy", "repos.proxy", "not an http"),
    ("bad-locale", "  lang: en_US.UTF-8", "  lang: english", "locale.lang", "not a locale"),
    ("bad-override-service", "overrides: {}", "overrides: {nvoa: {nova.conf: {}}}",
     "overrides.nvoa", "did you mean 'nova'"),
    ("bad-override-file", "overrides: {}", "overrides: {nova: {nova.ini: {}}}",
     "overrides.nova.nova.ini", "nova.conf"),
    ("bad-override-value", "overrides: {}",
     "overrides: {nova: {nova.conf: {DEFAULT: {debug: {a: 1}}}}}",
     "overrides.nova.nova.conf.DEFAULT.debug", "comma-separated"),
    ("bad-override-list-item", "overrides: {}",
     "overrides: {nova: {nova.conf: {DEFAULT: {x: [a, [b]]}}}}",
     "overrides.nova.nova.conf.DEFAULT.x", "comma-separated"),
    ("bad-interface", "  provider_interface: eth1", "  provider_interface: eth 1 with spaces",
     "network.provider_interface", "interface name"),
    ("device-without-path", "  backend: loop", "  backend: device", "cinder.device",
     "block device"),
    ("missing-node-roles", "    roles: [storage]\n", "\n", "nodes[3]", "has no 'roles'"),
    # YAML 1.1 reads these unquoted texts as numbers, booleans or dates: quote what was written
    ("sexagesimal-text", "  vni_range: 1:1000", "  vni_range: 1:50", "network.vni_range",
     'quote it: vni_range: "1:50"'),
    ("bool-text", "  user: root", "  user: yes", "ssh.user", 'quote it: user: "yes"'),
    ("off-text", "  provider_physnet: provider", "  provider_physnet: off",
     "network.provider_physnet", 'quote it: provider_physnet: "off"'),
    ("octal-text", "  provider_interface: eth1", "  provider_interface: 0755",
     "network.provider_interface", 'quote it: provider_interface: "0755"'),
    ("date-text", "  provider_physnet: provider", "  provider_physnet: 2024-01-01",
     "network.provider_physnet", "2024-01-01 is read by YAML as a date"),
    ("number-node-name", "  - name: openstack2", "  - name: 0755", "nodes[1].name",
     'quote it: name: "0755"'),
    ("sexagesimal-override", "overrides: {}",
     "overrides: {neutron: {ml2_conf.ini: {ml2_type_vxlan: {vni_ranges: 1:50}}}}",
     "overrides.neutron.ml2_conf.ini.ml2_type_vxlan.vni_ranges", 'vni_ranges: "1:50"'),
    ("octal-override", "overrides: {}",
     "overrides: {nova: {nova.conf: {DEFAULT: {umask: 0022}}}}",
     "overrides.nova.nova.conf.DEFAULT.umask", "read by YAML as the number 18"),
    # IPv6 management networks: the roles build URLs without brackets
    ("ipv6-cidr", "  management_cidr: 10.0.0.0/24", "  management_cidr: fd00::/64",
     "network.management_cidr", "IPv6 management networks are not supported yet; use an IPv4 "
     "network"),
    ("ipv6-address", "    address: 10.0.0.13", "    address: fd00::13", "nodes[2].address",
     "IPv6 management networks are not supported yet; use an IPv4 network"),
    # services need the services they cannot run without
    ("service-dependencies", "services: [keystone, glance, placement, nova, neutron, cinder, "
     "horizon]", "services: [nova, horizon]", "services[0]",
     "nova needs keystone, glance, placement, neutron"),
    ("service-dependency-fix", "services: [keystone, glance, placement, nova, neutron, cinder, "
     "horizon]", "services: [nova, horizon]", "services[1]",
     "services: [keystone, glance, placement, nova, neutron, horizon]"),
    ("neutron-needs-nova", "services: [keystone, glance, placement, nova, neutron, cinder, "
     "horizon]", "services: [keystone, neutron, cinder]", "services[1]",
     "neutron needs nova"),
    # horizon takes Django settings, not INI files
    ("horizon-ini-shape", "overrides: {}",
     "overrides: {horizon: {local_settings.py: {DEFAULT: {TIME_ZONE: UTC}}}}",
     "overrides.horizon.local_settings.py", "not a Django setting name"),
]


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(("case", "old", "new", "key", "part"), CASES,
                         ids=[c[0] for c in CASES])
def test_rule_reports_key_line_and_fix(four_node: Path, case, old, new, key, part):
    text = four_node.read_text()
    assert old in text, f"sample changed: {old!r} not found"
    broken = text.replace(old, new, 1)
    four_node.write_text(broken)
    _merged, _spath, _values, problems = check(four_node)
    matching = [p for p in problems if p.key == key and part in f"{p.message} {p.fix}"]
    assert matching, f"{case}: expected {key!r} with {part!r}, got {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == str(four_node)
    assert problem.fix
    assert problem.line == _expected_line(text, broken, key, old, new), str(problem)


def _expected_line(text: str, broken: str, key: str, old: str, new: str) -> int:
    """The line the problem must point at: the changed line, or the enclosing key's line."""
    if key == "nodes":
        return _line_of(broken, "\nnodes:") + 1
    if key == "nodes[3]":  # a node lacking a key: the node's first line
        return _line_of(broken, "  - name: openstack4")
    if key.startswith(("services", "overrides", "ssh")) and "." not in key.split("[")[0]:
        return _line_of(broken, "\n" + key.split(".")[0].split("[")[0]) + 1
    if key == "cinder.device":
        return _line_of(broken, "  device:")
    start = broken[: text.index(old)].count("\n") + 1
    return start + new.rstrip("\n").count("\n")


def test_line_numbers_point_at_the_key(four_node: Path):
    text = four_node.read_text().replace("  port: 22", "  port: nope")
    four_node.write_text(text)
    problems = check(four_node)[3]
    (p,) = [p for p in problems if p.key == "ssh.port"]
    assert p.line == _line_of(text, "  port: nope")


def test_unsupported_release_for_distro(four_node: Path):
    text = four_node.read_text().replace("  distro: auto", "  distro: debian")
    text = text.replace("  release: zed", "  release: caracal")
    four_node.write_text(text)
    problems = check(four_node)[3]
    (p,) = [p for p in problems if p.key == "deployment.release"]
    assert "not supported on debian" in p.message and "debian: zed" in p.fix
    assert p.line == _line_of(text, "  release: caracal")


def test_every_problem_reported_at_once(four_node: Path):
    text = four_node.read_text()
    text = text.replace("  port: 22", "  port: x").replace("  virt_type: kvm", "  virt_type: z")
    text = text.replace("    address: 10.0.0.13", "    address: nope")
    four_node.write_text(text)
    keys = {p.key for p in check(four_node)[3]}
    assert {"ssh.port", "nova.virt_type", "nodes[2].address"} <= keys


def test_node_problems_name_the_node_in_the_file_after_an_invalid_one(four_node: Path):
    text = four_node.read_text().replace("    address: 10.0.0.12", "    address: nope")
    text = text.replace("    address: 10.0.0.14", "    address: 10.9.0.14")
    text = text.replace("  - name: openstack3", "  - name: openstack1")
    four_node.write_text(text)
    problems = check(four_node)[3]
    outside = [p for p in problems if "outside" in p.message]
    assert [(p.key, p.line) for p in outside] == [
        ("nodes[3].address", _line_of(text, "    address: 10.9.0.14"))]
    (dup,) = [p for p in problems if "duplicate node name" in p.message]
    assert (dup.key, dup.line) == ("nodes[2].name", _line_of(text, "  - name: openstack1\n"
                                                             "    address: 10.0.0.13"))
    assert "(also nodes[0])" in dup.message


def test_invalid_cidr_is_not_replaced_by_the_default(four_node: Path):
    text = four_node.read_text().replace("  management_cidr: 10.0.0.0/24",
                                         "  management_cidr: 192.168.1.0/33")
    for i in range(1, 5):
        text = text.replace(f"    address: 10.0.0.1{i}", f"    address: 192.168.1.1{i}")
    four_node.write_text(text)
    problems = check(four_node)[3]
    assert [p.key for p in problems] == ["network.management_cidr"], [str(p) for p in problems]


SECRET_CASES = [
    ("missing", None, "", "does not exist"),
    ("world-readable", 0o644, None, "readable by others"),
    ("empty-secret", 0o600, ("mariadb_root_password", ""), "is empty"),
    ("weak-secret", 0o600, ("rabbitmq_openstack_password", "hunter2"), "characters long"),
    ("guessable", 0o600, ("keystone_admin_password", "aaaaaaaaaaaaaaaaaaaa"), "easy to guess"),
    ("missing-key", 0o600, ("nova_db_password", None), "is missing"),
    ("template", 0o600, ("glance_db_password", "x7Kq9pLz{{ lookup('pipe', 'id') }}"),
     "as a template"),
    ("line-break", 0o600, ("nova_db_password", "x7Kq9pLzR2mW\nv8Tn4Jd"), "line break"),
]


@pytest.mark.parametrize(("case", "mode", "change", "part"), SECRET_CASES,
                         ids=[c[0] for c in SECRET_CASES])
def test_secret_rules(four_node: Path, case, mode, change, part):
    spath = four_node.with_name("four-node.secrets.yml")
    if mode is None:
        spath.unlink()
    else:
        data = yaml.safe_load(spath.read_text())
        if isinstance(change, tuple):
            name, value = change
            if value is None:
                del data[name]
            else:
                data[name] = value
        spath.write_text(yaml.safe_dump(data))
        os.chmod(spath, mode)
    problems = check(four_node)[3]
    matching = [p for p in problems if p.file == str(spath) and part in p.message]
    assert matching, [str(p) for p in problems]
    if isinstance(change, tuple):
        assert matching[0].key == change[0]
        assert matching[0].line is not None or change[1] is None
    if isinstance(change, tuple) and change[1]:
        assert all(change[1] not in str(p) for p in problems), "secret value leaked"


def test_unreadable_secrets_file(four_node: Path):
    spath = four_node.with_name("four-node.secrets.yml")
    spath.unlink()
    spath.mkdir()
    problems = check(four_node)[3]
    assert any(p.file == str(spath) and "directory" in p.message for p in problems)


def test_epoxy_takes_openvswitch_and_refuses_linuxbridge(four_node: Path):
    """neutron 26 (Epoxy) has no linuxbridge driver; openvswitch is its proven path."""
    text = four_node.read_text().replace("  release: zed", "  release: epoxy")
    four_node.write_text(text)
    (p,) = [p for p in check(four_node)[3] if p.key == "network.mechanism_driver"]
    assert "'linuxbridge' does not exist in epoxy" in p.message and "'openvswitch'" in p.fix
    assert p.line == _line_of(text, "  mechanism_driver: linuxbridge")
    four_node.write_text(text.replace("  mechanism_driver: linuxbridge",
                                      "  mechanism_driver: openvswitch"))
    assert [p for p in check(four_node)[3] if p.key == "network.mechanism_driver"] == []

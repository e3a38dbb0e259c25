"""cinder.backend: ceph and the provider network: what validate accepts, generate makes,
and render passes on (cephx keys are secrets; the groups say where Ceph runs)."""

from __future__ import annotations

import base64
import stat
import struct
from pathlib import Path

import pytest
import yaml

from installer.answers import check, load
from installer.answers.schema import CEPHX_SECRETS
from installer.answers.secrets import cephx_problem, fill, new_cephx_key
from installer.render import render


def _edit(path: Path, *pairs: tuple[str, str]) -> Path:
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)
    return path


def _problems(path: Path) -> dict[str, str]:
    _merged, _spath, _values, problems = check(path)
    return {p.key: p.message for p in problems}


def test_a_cephx_key_has_the_header_ceph_authtool_writes() -> None:
    raw = base64.b64decode(new_cephx_key())
    kind, _sec, _nsec, length = struct.unpack_from("<HIIH", raw)
    assert (kind, length, len(raw)) == (1, 16, 28)
    assert cephx_problem(new_cephx_key()) is None
    assert cephx_problem("not base64!") is not None
    assert cephx_problem(base64.b64encode(b"x" * 28).decode()) is not None


def test_generated_ceph_secrets_are_keys_and_uuids_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    fill(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = yaml.safe_load(path.read_text())
    for name in CEPHX_SECRETS:
        assert cephx_problem(values[name]) is None
    assert len(values["ceph_fsid"]) == 36 and values["ceph_fsid"] != values["ceph_rbd_secret_uuid"]


def test_a_malformed_cephx_key_is_refused_without_showing_it(four_node: Path) -> None:
    secrets = four_node.with_name("four-node.secrets.yml")
    data = yaml.safe_load(secrets.read_text())
    data["ceph_cinder_key"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    secrets.write_text(yaml.safe_dump(data))
    problems = _problems(four_node)
    assert "not a cephx key" in problems["ceph_cinder_key"]
    assert "AAAAAAAA" not in problems["ceph_cinder_key"]


def test_ceph_backend_renders_groups_and_settings(four_node: Path, tmp_path: Path) -> None:
    _edit(four_node, ("  backend: loop", "  backend: ceph"),
          ("  provider_cidr: ''", "  provider_cidr: 192.168.50.0/24"))
    out = render(load(four_node), tmp_path / "d").out_dir / "inventory"
    hosts = yaml.safe_load((out / "hosts.yml").read_text())["all"]["children"]
    assert list(hosts["ceph_mon"]["hosts"]) == ["openstack4"]
    assert list(hosts["ceph_osd"]["hosts"]) == ["openstack4"]
    assert sorted(hosts["ceph_client"]["hosts"]) == ["openstack3", "openstack4"]
    main = yaml.safe_load((out / "group_vars" / "all" / "main.yml").read_text())
    assert main["cinder_backend"] == "ceph" and main["ceph_mode"] == "deployed"
    assert (main["openstack_post_provider_pool_start"],
            main["openstack_post_provider_pool_end"]) == ("192.168.50.128", "192.168.50.254")
    assert main["openstack_post_provider_gateway"] == ""
    secrets = (out / "group_vars" / "all" / "secrets.yml").read_text()
    assert "ceph_admin_key" in secrets and "ceph_admin_key" not in str(main)


def test_the_lvm_backends_render_no_ceph_groups(four_node: Path, tmp_path: Path) -> None:
    out = render(load(four_node), tmp_path / "d").out_dir / "inventory"
    hosts = yaml.safe_load((out / "hosts.yml").read_text())["all"]["children"]
    assert not {"ceph_mon", "ceph_osd", "ceph_client"} & set(hosts)


def test_external_ceph_groups_have_only_clients(four_node: Path, tmp_path: Path) -> None:
    _edit(four_node, ("  backend: loop", "  backend: ceph"),
          ("  mode: deployed", "  mode: external"),
          ("  monitors: []", "  monitors: [192.0.2.10]"),
          ("  fsid: ''", "  fsid: 6f0c4e1e-4f7e-4a3b-9d07-0d2b1c9b0f11"))
    out = render(load(four_node), tmp_path / "d").out_dir / "inventory"
    hosts = yaml.safe_load((out / "hosts.yml").read_text())["all"]["children"]
    assert "ceph_mon" not in hosts and "ceph_client" in hosts


@pytest.mark.parametrize(("pairs", "key", "part"), [
    ([("  backend: loop", "  backend: ceph"), ("  mode: deployed", "  mode: external")],
     "ceph.monitors", "is empty but ceph.mode is external"),
    ([("  backend: loop", "  backend: ceph"), ("  mode: deployed", "  mode: external"),
      ("  monitors: []", "  monitors: [192.0.2.10]")], "ceph.fsid", "is not the fsid"),
    ([("  backend: loop", "  backend: ceph"), ("  osd_devices: []", "  osd_devices: [sdc]")],
     "ceph.osd_devices[0]", "not a block device path"),
    ([("  provider_pool: ''", "  provider_pool: 10.1.0.5-10.1.0.9")], "network.provider_pool",
     "provider_cidr is empty"),
    ([("  provider_cidr: ''", "  provider_cidr: 192.168.50.0/24"),
      ("  provider_pool: ''", "  provider_pool: 192.168.50.9-192.168.50.5")],
     "network.provider_pool", "is not a range inside"),
    ([("  provider_cidr: ''", "  provider_cidr: 192.168.50.0/24"),
      ("  provider_gateway: ''", "  provider_gateway: 192.168.51.1")],
     "network.provider_gateway", "is outside"),
])
def test_ceph_and_provider_mistakes_are_named(four_node: Path, pairs: list[tuple[str, str]],
                                              key: str, part: str) -> None:
    problems = _problems(_edit(four_node, *pairs))
    assert part in problems.get(key, ""), problems

"""Debian 12 (bookworm, Zed) and Debian 13 (trixie, Epoxy) labs: image, sources, plan, state."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.answers import load
from installer.cli import main
from installer.errors import LabError
from installer.testbed.lab import image, sources
from installer.testbed.lab.answerfile import (
    plan_from_answer_file,
    suite_for_answers,
    write_lab_answers,
)
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.state import LabState, load_state, save_state
from installer.testbed.lab.topology import plan_default

MIRROR = "http://deb.debian.org/debian"


def test_each_suite_has_its_own_cached_image():
    bookworm = image.image_path(MIRROR, Path("/c"))
    trixie = image.image_path(MIRROR, Path("/c"), suite="trixie")
    assert bookworm.name.startswith("debian-bookworm-")
    assert trixie.name.startswith("debian-trixie-")
    assert image.image_key(MIRROR, "trixie") != image.image_key(MIRROR, "bookworm")
    # the bookworm key did not move: caches made before suites existed stay valid
    assert image.image_path(MIRROR, Path("/c"), suite="bookworm") == bookworm


def test_debootstrap_takes_the_suite():
    argv = image.debootstrap_argv(Path("/tmp/x"), MIRROR, "trixie")
    assert argv[3:] == ["trixie", "/tmp/x", MIRROR]


def test_node_sources_follow_the_suite():
    text = sources.node_sources(sources.Mirrors("http://a/debian", "http://b/debian-security"),
                                "trixie")
    stanzas = sources.parse_deb822(text)
    assert stanzas[0]["Suites"].split() == ["trixie", "trixie-updates"]
    assert stanzas[1]["Suites"] == "trixie-security"
    assert "bookworm" not in text


def test_release_of_each_suite():
    assert sources.suite_for_release("zed") == "bookworm"
    assert sources.suite_for_release("epoxy") == "trixie"
    assert sources.suite_for_release("caracal") is None


def test_state_keeps_the_suite_and_old_state_files_mean_bookworm(tmp_path):
    plan = replace(plan_default("tx", 2, "10.225.0.0/24"), suite="trixie")
    path = tmp_path / "state.json"
    save_state(path, LabState.from_plan(plan))
    assert load_state(path).to_plan() == plan
    data = json.loads(path.read_text())
    del data["suite"]
    path.write_text(json.dumps(data))
    assert load_state(path).suite == "bookworm"


def test_trixie_lab_writes_an_epoxy_answer_file_that_validates(tmp_path):
    plan = replace(plan_default("tx", 4, "10.225.0.0/24"), suite="trixie")
    paths = LabPaths.for_lab("tx", tmp_path)
    write_lab_answers(plan, paths)
    assert load(paths.answers).release == "epoxy"
    paths.secrets.unlink()
    assert plan_from_answer_file("tx", paths.answers) == plan


def test_bookworm_lab_writes_zed(tmp_path):
    plan = plan_default("bw", 2, "10.219.0.0/24")
    paths = LabPaths.for_lab("bw", tmp_path)
    write_lab_answers(plan, paths)
    assert load(paths.answers).release == "zed"
    assert plan_from_answer_file("bw", paths.answers).suite == "bookworm"


def test_suite_must_agree_with_the_release():
    assert suite_for_answers("epoxy", Path("a.yml")) == "trixie"
    assert suite_for_answers("epoxy", Path("a.yml"), "trixie") == "trixie"
    with pytest.raises(LabError) as exc:
        suite_for_answers("epoxy", Path("a.yml"), "bookworm")
    assert "bookworm" in str(exc.value) and "epoxy" in str(exc.value)
    with pytest.raises(LabError) as exc:
        suite_for_answers("caracal", Path("a.yml"))
    assert "caracal" in str(exc.value) and "trixie: epoxy" in exc.value.hint


def test_cli_refuses_an_unknown_suite():
    result = CliRunner().invoke(main, ["lab", "up", "--name", "tx", "--suite", "sid"])
    assert result.exit_code == 2
    assert "bookworm" in result.output and "trixie" in result.output


def test_epoxy_lab_uses_open_vswitch_with_vlan_self_service_networks(tmp_path):
    """Epoxy has no linuxbridge driver; the lab's kernel has no VXLAN-capable OVS datapath."""
    plan = replace(plan_default("tx", 4, "10.225.0.0/24"), suite="trixie")
    paths = LabPaths.for_lab("tx", tmp_path)
    write_lab_answers(plan, paths)
    dep = load(paths.answers)
    assert dep.network.mechanism_driver == "openvswitch" and dep.network.overlay == "none"
    ml2 = dep.overrides["neutron"]["ml2_conf.ini"]
    assert ml2["ml2"]["tenant_network_types"] == ["vlan"]
    assert ml2["ml2_type_vlan"]["network_vlan_ranges"] == "provider:100:199"
    # the provider settings of the lab stay as they are
    assert dep.network.provider_cidr == plan.provider_cidr


def test_zed_lab_keeps_linuxbridge_and_vxlan(tmp_path):
    plan = plan_default("bw", 4, "10.219.0.0/24")
    paths = LabPaths.for_lab("bw", tmp_path)
    write_lab_answers(plan, paths)
    dep = load(paths.answers)
    assert dep.network.mechanism_driver == "linuxbridge" and dep.network.overlay == "vxlan"
    assert "neutron" not in (dep.overrides or {})

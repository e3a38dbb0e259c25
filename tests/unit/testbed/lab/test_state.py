from __future__ import annotations

import json
import stat

import pytest

from installer.errors import LabError
from installer.testbed.lab.state import LabState, load_state, save_state
from installer.testbed.lab.system import ProcessRef
from installer.testbed.lab.topology import plan_default


def _state() -> LabState:
    state = LabState.from_plan(plan_default("lab", 2, "10.213.0.0/24"))
    state.bridges = ["si-lab-m", "si-lab-p"]
    state.proxy = ProcessRef(pid=123, start_time=456, marker="apt-cacher-ng")
    node = state.nodes[0]
    node.netns, node.links, node.mount = "si-lab-openstack1", ["si-lab-1m", "si-lab-1p"], "/x/root"
    node.process = ProcessRef(pid=7, start_time=8, marker="systemd-nspawn")
    return state


def test_round_trip_keeps_everything(tmp_path):
    path = tmp_path / "state.json"
    state = _state()
    save_state(path, state)
    again = load_state(path)
    assert again == state
    assert again.to_plan() == plan_default("lab", 2, "10.213.0.0/24")


def test_state_file_is_private_and_no_temp_file_is_left(tmp_path):
    path = tmp_path / "sub" / "state.json"
    save_state(path, _state())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_missing_state_is_none(tmp_path):
    assert load_state(tmp_path / "nope.json") is None


def test_damaged_state_is_a_lab_error(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(LabError, match="damaged"):
        load_state(path)


def test_unknown_version_is_refused(tmp_path):
    path = tmp_path / "state.json"
    data = _state().to_json()
    data["version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(LabError, match="version"):
        load_state(path)


def test_node_lookup():
    state = _state()
    assert state.node("openstack2").address == "10.213.0.12"
    with pytest.raises(LabError):
        state.node("openstack9")


def test_a_vm_node_round_trips_and_an_old_state_has_containers(tmp_path):
    from installer.testbed.lab.topology import VmSpec, with_vms

    plan = with_vms(plan_default("lab", 4, "10.213.0.0/24"), ["storage"], VmSpec(cpus=2))
    state = LabState.from_plan(plan)
    state.vm_image = "/cache/vm-debian-bookworm-abc"
    path = tmp_path / "state.json"
    save_state(path, state)
    again = load_state(path)
    assert again == state and again.to_plan() == plan
    assert [n.kind for n in again.nodes] == ["container", "container", "container", "vm"]
    raw = json.loads(path.read_text())
    for node in raw["nodes"]:
        del node["vm"]
    del raw["vm_image"]
    path.write_text(json.dumps(raw))
    old = load_state(path)
    assert old.vm_image == "" and {n.kind for n in old.nodes} == {"container"}

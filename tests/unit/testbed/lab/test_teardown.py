"""`lab down` is resumable: the state is marked first and removed last, so an interrupted
teardown is finished by the next `lab down` (every host command is faked here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from installer.errors import LabError
from installer.testbed.lab import checks, container, lifecycle, loopdev, network, rootfs, teardown
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.state import LabState, NodeState, save_state
from installer.testbed.lab.system import ProcessRef

NODES = ("openstack1", "openstack2")


class Host:
    """What is still present on the faked host: links, namespaces, mounts, processes."""

    def __init__(self) -> None:
        self.present: set[str] = set()
        self.calls: list[str] = []

    def remove(self, kind: str, name: str) -> bool:
        self.calls.append(f"{kind} {name}")
        if f"{kind} {name}" not in self.present:
            return False
        self.present.discard(f"{kind} {name}")
        return True


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[LabPaths, Host]:
    paths = LabPaths("dn", tmp_path / "dn")
    host = Host()
    for module in (teardown, lifecycle):
        monkeypatch.setattr(module.LabPaths, "for_lab", classmethod(lambda cls, name: paths))
    monkeypatch.setattr(checks, "require_root", lambda: None)
    monkeypatch.setattr(checks, "require_tools", lambda install_missing=False: None)
    monkeypatch.setattr(container, "stop", lambda ref: "stopped"
                        if host.remove("process", str(ref.pid)) else "not running")
    monkeypatch.setattr(teardown, "_stop_process", lambda ref: "stopped"
                        if host.remove("process", str(ref.pid)) else "not running")
    monkeypatch.setattr(loopdev, "detach_under", lambda root: [])
    monkeypatch.setattr(rootfs, "unmount", lambda root: host.remove("mount", str(root)))
    monkeypatch.setattr(network, "delete_link", lambda name: host.remove("link", name))
    monkeypatch.setattr(network, "delete_netns", lambda name: host.remove("netns", name))
    monkeypatch.setattr(network, "ensure_guard_route", lambda cidr: host.calls.append(cidr))
    monkeypatch.setattr(network, "ip_json", lambda *args: [])
    monkeypatch.setattr(network, "NETNS_DIR", tmp_path / "no-netns")
    monkeypatch.setattr(container, "kill_orphans", lambda pids: [])
    monkeypatch.setattr(teardown.vm, "kill_orphans", lambda lab: [])
    monkeypatch.setattr(teardown.cgroups, "processes", lambda *names: [])
    monkeypatch.setattr(teardown.cgroups, "remove", lambda name: [])
    monkeypatch.setattr(teardown.cgroups, "leftovers", lambda name: [])

    state = LabState(name="dn", management_cidr="10.229.0.0/24",
                     provider_cidr="10.229.1.0/24", proxy=ProcessRef(900, 1, "acng"))
    host.present.add("process 900")
    for index, node in enumerate(NODES, start=1):
        tree = paths.node_dir(node)
        (tree / "upper" / "var").mkdir(parents=True)
        (tree / "upper" / "var" / "disk").write_bytes(b"x" * 1024)
        state.nodes.append(NodeState(
            node, index, f"10.229.0.{10 + index}", ["compute"], netns=f"si-dn-{node}",
            links=[f"si-dn-{index}m"], mount=str(tree / "root"),
            process=ProcessRef(100 + index, 1, "nspawn")))
        host.present |= {f"process {100 + index}", f"mount {tree / 'root'}",
                         f"link si-dn-{index}m", f"netns si-dn-{node}"}
    (paths.root / "answers.yml").write_text("x")
    save_state(paths.state_file, state)
    return paths, host


def _interrupt_at_first_item(item: str) -> None:
    raise KeyboardInterrupt


def test_state_is_marked_first_and_removed_last(lab: tuple[LabPaths, Host]) -> None:
    paths, host = lab
    seen: list[tuple[str, bool, bool]] = []

    def watch(item: str) -> None:
        marked = (paths.state_file.exists()
                  and json.loads(paths.state_file.read_text())["tearing_down"])
        seen.append((item, paths.state_file.exists(), marked))

    result = teardown.down("dn", keep_image=True, on_removed=watch)
    assert seen[-1] == (f"state directory {paths.root}", False, False)
    assert all(exists and marked for _item, exists, marked in seen[:-1])
    trees = [item for item, _e, _m in seen if ": tree " in item]
    assert trees == [f"{n}: tree {paths.node_dir(n)}" for n in NODES]
    # each node's tree goes right after its own objects, before the next node and the proxy
    items = [item for item, _e, _m in seen]
    assert items.index(trees[0]) < items.index("openstack2: mount "
                                               f"{paths.node_dir('openstack2') / 'root'}")
    assert items.index(trees[1]) < items.index("apt-cacher-ng (pid 900): stopped")
    assert result.removed == items and not paths.root.exists() and host.present == set()


def test_an_interrupted_down_is_finished_by_the_next(lab: tuple[LabPaths, Host]) -> None:
    paths, host = lab
    with pytest.raises(LabError) as caught:
        teardown.down("dn", keep_image=True, on_removed=_interrupt_at_first_item)
    assert caught.value.exit_code == 5 and "interrupted" in caught.value.message
    assert "lab down --name dn" in str(caught.value.hint)
    state = json.loads(paths.state_file.read_text())
    assert state["tearing_down"] is True
    assert all(paths.node_dir(n).is_dir() for n in NODES)

    with pytest.raises(LabError, match="being torn down"):
        lifecycle.up(None, "dn")

    result = teardown.down("dn", keep_image=True)
    assert result.existed
    assert not paths.root.exists()
    assert host.present == set()
    assert f"openstack1: tree {paths.node_dir('openstack1')}" in result.removed
    assert teardown.down("dn", keep_image=True).existed is False


def test_a_lab_directory_left_without_state_is_removed(lab: tuple[LabPaths, Host],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    paths, _host = lab
    paths.state_file.unlink()  # what an interrupted `lab down` of older versions left
    monkeypatch.setattr(rootfs, "is_mounted", lambda root: False)
    result = teardown.down("dn", keep_image=True)
    assert result.existed
    assert f"openstack2: tree {paths.node_dir('openstack2')}" in result.removed
    assert not paths.root.exists()


def test_a_mount_still_present_stops_before_any_file_is_removed(
        lab: tuple[LabPaths, Host], monkeypatch: pytest.MonkeyPatch) -> None:
    paths, _host = lab
    still = str(paths.node_dir("openstack1") / "root")
    monkeypatch.setattr(teardown, "mounts_under",
                        lambda path: [still] if still.startswith(str(path)) else [])
    with pytest.raises(LabError, match="mounts of the lab are still present"):
        teardown.down("dn", keep_image=True)
    assert paths.node_dir("openstack1").is_dir() and paths.state_file.exists()


def test_mounts_under_reads_mountinfo(tmp_path: Path) -> None:
    info = tmp_path / "mountinfo"
    info.write_text("36 35 98:0 / /var/lib/stackinstall/lab/dn/nodes/a/root rw - overlay o rw\n"
                    "37 35 98:0 / /var/lib/stackinstall/lab/dnx rw - ext4 /dev/x rw\n")
    assert teardown.mounts_under(Path("/var/lib/stackinstall/lab/dn"), info) == [
        "/var/lib/stackinstall/lab/dn/nodes/a/root"]


def test_a_vm_node_is_powered_off_through_its_qmp_socket_and_its_taps_removed(
        lab: tuple[LabPaths, Host], monkeypatch: pytest.MonkeyPatch) -> None:
    from installer.testbed.lab import vm
    from installer.testbed.lab.state import load_state
    from installer.testbed.lab.topology import VmSpec

    paths, host = lab
    state = load_state(paths.state_file)
    assert state is not None
    node = state.nodes[1]
    host.present -= {f"mount {node.mount}", f"netns {node.netns}"}
    node.vm, node.mount, node.netns = VmSpec(), "", ""
    node.links = ["si-dn-2m", "si-dn-2p"]
    host.present |= {"link si-dn-2p", "process 555"}
    save_state(paths.state_file, state)
    sockets: list[Path] = []

    def stop(ref: ProcessRef, qmp: Path) -> str:
        sockets.append(qmp)
        return "stopped" if host.remove("process", str(ref.pid)) else "not running"

    monkeypatch.setattr(vm, "stop", stop)
    monkeypatch.setattr(vm, "kill_orphans",
                        lambda lab: [555] if host.remove("process", "555") else [])
    result = teardown.down("dn", keep_image=True)
    assert "openstack2: vm (pid 102) stopped" in result.removed
    assert sockets == [paths.node_dir("openstack2") / "qmp.sock"]
    assert {"openstack2: link si-dn-2m", "openstack2: link si-dn-2p",
            "orphaned qemu (pid 555)"} <= set(result.removed)
    assert host.present == set() and not paths.root.exists()

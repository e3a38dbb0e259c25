from __future__ import annotations

from installer.testbed.lab import cgroups


def _hierarchy(tmp_path, name):
    h = tmp_path / name
    h.mkdir()
    (h / "cgroup.procs").write_text("")
    return h


def test_node_cgroups_are_per_lab_and_node(tmp_path):
    hs = (_hierarchy(tmp_path, "systemd"), _hierarchy(tmp_path, "unified"), tmp_path / "absent")
    paths = cgroups.node_paths("lab", "openstack1", hs)
    assert paths == [hs[0] / "si-lab" / "openstack1", hs[1] / "si-lab" / "openstack1"]


def test_remove_deletes_only_the_labs_empty_tree(tmp_path):
    h = _hierarchy(tmp_path, "systemd")
    (h / "si-lab" / "openstack1" / "payload" / "system.slice").mkdir(parents=True)
    (h / "si-lab" / "openstack2" / "supervisor").mkdir(parents=True)
    (h / "si-other" / "openstack1").mkdir(parents=True)
    (h / "payload").mkdir()
    assert cgroups.remove("lab", (h,)) == [str(h / "si-lab")]
    assert not (h / "si-lab").exists()
    assert (h / "si-other" / "openstack1").is_dir() and (h / "payload").is_dir()
    assert cgroups.leftovers("lab", (h,)) == []


def test_processes_lists_every_pid_of_the_labs_tree(tmp_path):
    h = _hierarchy(tmp_path, "systemd")
    (h / "si-lab" / "n1" / "payload" / "init.scope").mkdir(parents=True)
    (h / "si-lab" / "n1" / "payload" / "init.scope" / "cgroup.procs").write_text("10\n")
    (h / "si-lab" / "n1" / "supervisor").mkdir(parents=True)
    (h / "si-lab" / "n1" / "supervisor" / "cgroup.procs").write_text("9\n")
    (h / "si-lab" / "n2").mkdir(parents=True)
    (h / "si-lab" / "n2" / "cgroup.procs").write_text("20\n21\n")
    assert cgroups.processes("lab", hierarchies=(h,)) == [9, 10, 20, 21]
    assert cgroups.processes("lab", "n1", (h,)) == [9, 10]
    assert cgroups.processes("other", hierarchies=(h,)) == []

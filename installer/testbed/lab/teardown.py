"""`lab down`: remove every object a lab made, resumably.

The state is marked ``tearing_down`` first and removed last: every step is recorded, so a
`lab down` that was interrupted (Ctrl-C, a crash, a failed unmount) is finished by the next
one, and `lab up` refuses a lab in that state. Guard routes stay (by design).
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from installer.console import warn
from installer.errors import LabError
from installer.testbed.lab import (
    cgroups,
    checks,
    container,
    image,
    loopdev,
    naming,
    network,
    rootfs,
    vm,
)
from installer.testbed.lab.lifecycle import lab_lock
from installer.testbed.lab.paths import STATE_ROOT, LabPaths, apt_cache_dir
from installer.testbed.lab.state import LabState, NodeState, load_state, save_state
from installer.testbed.lab.system import ProcessRef, is_alive, mounts_under, wait_reaped


@dataclass
class DownResult:
    name: str
    removed: list[str] = field(default_factory=list)
    existed: bool = True
    #: called with each removed object as soon as it is gone (live progress)
    on_removed: Callable[[str], None] | None = None

    def add(self, items: list[str]) -> None:
        for item in items:
            self.removed.append(item)
            if self.on_removed:
                self.on_removed(item)


def down(
    name: str,
    *,
    keep_image: bool = False,
    guard_cidrs: tuple[str, ...] = (),
    on_removed: Callable[[str], None] | None = None,
) -> DownResult:
    """Stop every node and remove every namespace, link, bridge, mount and process of the lab.

    ``on_removed`` sees each removed object at once; an exception it raises interrupts the
    teardown like Ctrl-C would (the next `lab down` finishes it).
    """
    naming.validate_lab_name(name)
    checks.require_root()
    paths = LabPaths.for_lab(name)
    result = DownResult(name=name, on_removed=on_removed)
    try:
        with lab_lock(paths):
            state = load_state(paths.state_file)
            if state is None:
                result.existed = False
                for cidr in guard_cidrs:
                    network.ensure_guard_route(cidr)
                _remove_by_names(name, result)
                if paths.root.is_dir():  # left by a `lab down` before the state was kept last
                    result.existed = True
                    _remove_leftover_tree(paths, result)
                    _remove_caches(name, keep_image, result)
                return result
            _tear_down(state, paths, keep_image, guard_cidrs, result)
    except KeyboardInterrupt:
        raise LabError(
            f"`lab down` of lab {name!r} was interrupted; what is left stays recorded",
            hint=f"run `stackinstall lab down --name {name}` again to finish",
        ) from None
    return result


def _tear_down(state: LabState, paths: LabPaths, keep_image: bool,
               guard_cidrs: tuple[str, ...], result: DownResult) -> None:
    state.tearing_down = True
    save_state(paths.state_file, state)
    with ThreadPoolExecutor(max_workers=max(1, len(state.nodes))) as pool:
        stopped = list(pool.map(lambda n: _stop_node(n, paths), state.nodes))
    save_state(paths.state_file, state)
    for node, outcome in zip(state.nodes, stopped, strict=True):
        result.add(outcome)
        result.add(_remove_node(node))
        result.add(_remove_node_tree(paths, node.name))
        save_state(paths.state_file, state)
    if state.proxy:
        proxy_outcome = _stop_process(state.proxy)
        pid, state.proxy = state.proxy.pid, None
        save_state(paths.state_file, state)
        result.add([f"apt-cacher-ng (pid {pid}): {proxy_outcome}"])
    _remove_by_names(state.name, result)
    left = cgroups.leftovers(state.name)
    if left:
        warn(f"cgroups still in use, not removed: {', '.join(left)}")
    for cidr in (state.management_cidr, state.provider_cidr, *guard_cidrs):
        network.ensure_guard_route(cidr)
    _remove_files(paths, result)
    _remove_caches(state.name, keep_image, result)


def _remove_by_names(name: str, result: DownResult) -> None:
    result.add(_remove_orphans(name))
    result.add(_remove_by_name(name))
    result.add([f"cgroup {c}" for c in cgroups.remove(name)])


def _stop_node(node: NodeState, paths: LabPaths) -> list[str]:
    if not node.process:
        return []
    if node.vm:
        outcome = vm.stop(node.process, vm.VmFiles(paths.node_dir(node.name)).qmp)
    else:
        outcome = container.stop(node.process)
    pid, node.process = node.process.pid, None
    return [f"{node.name}: {node.kind} (pid {pid}) {outcome}"]


def _remove_node(node: NodeState) -> list[str]:
    removed: list[str] = []
    if node.mount:
        removed += [f"{node.name}: loop device {d}" for d in loopdev.detach_under(Path(node.mount))]
    if node.mount and rootfs.unmount(Path(node.mount)):
        removed.append(f"{node.name}: mount {node.mount}")
    for link in node.links:
        if network.delete_link(link):
            removed.append(f"{node.name}: link {link}")
    if node.netns and network.delete_netns(node.netns):
        removed.append(f"{node.name}: netns {node.netns}")
    return removed


def _remove_node_tree(paths: LabPaths, node: str) -> list[str]:
    """The node's disk (overlay upper and work directories): the gigabytes of a lab."""
    tree = paths.node_dir(node)
    if not tree.exists():
        return []
    _refuse_mounts(tree)
    shutil.rmtree(tree)
    return [f"{node}: tree {tree}"]


def _remove_leftover_tree(paths: LabPaths, result: DownResult) -> None:
    """A lab directory without its state: unmount and detach what lies in it, remove it."""
    nodes = paths.root / "nodes"
    for tree in sorted(nodes.iterdir()) if nodes.is_dir() else []:
        root = tree / "root"
        if rootfs.is_mounted(root):
            result.add([f"{tree.name}: loop device {d}" for d in loopdev.detach_under(root)])
            rootfs.unmount(root)
            result.add([f"{tree.name}: mount {root}"])
        result.add(_remove_node_tree(paths, tree.name))
    _remove_files(paths, result)


def _remove_orphans(name: str) -> list[str]:
    """Containers left in the lab's cgroups without their nspawn (it was killed), and qemu
    processes of the lab that no state records."""
    killed = container.kill_orphans(cgroups.processes(name))
    removed = [f"orphaned container init (pid {pid})" for pid in killed]
    return removed + [f"orphaned qemu (pid {pid})" for pid in vm.kill_orphans(name)]


def _remove_by_name(name: str) -> list[str]:
    """Anything still carrying this lab's name prefix (e.g. from a run that crashed)."""
    removed: list[str] = []
    if network.NETNS_DIR.is_dir():
        for ns in sorted(network.NETNS_DIR.iterdir()):
            if naming.is_lab_object(name, ns.name) and network.delete_netns(ns.name):
                removed.append(f"netns {ns.name}")
    for link in network.ip_json("link", "show"):
        ifname = str(link.get("ifname", ""))
        if naming.is_lab_object(name, ifname) and network.delete_link(ifname):
            removed.append(f"link {ifname}")
    return removed


def _stop_process(ref: ProcessRef) -> str:
    if not is_alive(ref):
        return "not running"
    os.kill(ref.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not is_alive(ref):
            wait_reaped(ref.pid)
            return "stopped"
        time.sleep(0.1)
    os.kill(ref.pid, signal.SIGKILL)
    wait_reaped(ref.pid)
    return "killed"


def _refuse_mounts(path: Path) -> None:
    left = mounts_under(path)
    if left:
        raise LabError(
            "mounts of the lab are still present: " + ", ".join(left),
            hint="stop whatever uses them and run `stackinstall lab down` again",
        )


def _remove_files(paths: LabPaths, result: DownResult) -> None:
    """The lab's directory, its node trees first and its state file last."""
    _refuse_mounts(paths.root)
    if not paths.root.is_dir():
        return
    children = sorted(paths.root.iterdir(), key=lambda p: (p.name != "nodes", p.name))
    for child in children:
        if child == paths.state_file:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    paths.state_file.unlink(missing_ok=True)
    paths.root.rmdir()
    result.add([f"state directory {paths.root}"])


def _remove_caches(name: str, keep_image: bool, result: DownResult) -> None:
    if keep_image:
        return
    cache = apt_cache_dir(name)
    if cache.is_dir():
        shutil.rmtree(cache)
        result.add([f"apt cache {cache}"])
    others = [p.parent.name for p in STATE_ROOT.glob("*/state.json")]
    if others:
        warn(f"keeping the node image: lab(s) {', '.join(others)} still use it")
        return
    result.add([f"image {img}" for img in image.remove_images()])

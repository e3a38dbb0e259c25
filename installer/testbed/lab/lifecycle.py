"""`lab up`: converge the host to the lab's plan (`lab down` is in teardown.py).

``up`` checks the real state of every object (not just the state file) and creates only
what is missing, so running it again changes nothing and after a reboot-like loss of
namespaces, mounts or processes it rebuilds just those. ``down`` (``teardown.py``) removes
every object the lab made; a lab it has begun to tear down is refused here.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from installer.console import out, warn
from installer.errors import LabError
from installer.testbed.lab import (
    aptproxy,
    cgroups,
    checks,
    container,
    image,
    naming,
    network,
    rootfs,
    ssh,
    vm,
    vmimage,
)
from installer.testbed.lab.accel import GUEST_KVM_PROBE, Accel, nested_virt_type, probe
from installer.testbed.lab.paths import LabPaths, apt_cache_dir
from installer.testbed.lab.sources import Mirrors, host_mirrors, node_sources
from installer.testbed.lab.state import LabState, NodeState, load_state, save_state
from installer.testbed.lab.system import is_alive
from installer.testbed.lab.topology import LabNode, LabPlan, provider_address

BOOT_TIMEOUT = 180.0
#: A VM under TCG boots to sshd in about 25 s alone, slower beside booting containers.
VM_BOOT_TIMEOUT = 300.0


@dataclass
class UpResult:
    plan: LabPlan
    paths: LabPaths
    started: list[str] = field(default_factory=list)
    already_running: list[str] = field(default_factory=list)
    image_built: bool = False
    vm_image_built: bool = False
    #: the accelerator the VMs started now use (None: no VM started)
    accel: Accel | None = None
    #: VM node -> its image variant and whether it was built now (the lab cache)
    vm_images: dict[str, str] = field(default_factory=dict)
    #: nova.virt_type of a lab whose compute nodes are all VMs, and why (None: not probed)
    virt_type: tuple[str, str] | None = None
    answers_written: bool = False
    degraded: dict[str, str] = field(default_factory=dict)


@contextmanager
def lab_lock(paths: LabPaths) -> Iterator[None]:
    paths.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(paths.lock_file, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LabError(
                f"another stackinstall command is working on lab {paths.name!r}",
                hint="wait for it to finish and retry",
            ) from None
        try:
            yield
        finally:
            if not paths.state_file.exists():  # no lab (any more): leave no lock file behind
                paths.lock_file.unlink(missing_ok=True)
            fcntl.flock(fh, fcntl.LOCK_UN)


def _same_topology(a: LabPlan, b: LabPlan) -> bool:
    return (a.management_cidr, a.provider_cidr, a.nodes, a.suite) == (
        b.management_cidr, b.provider_cidr, b.nodes, b.suite)


def _grows(old: LabPlan, new: LabPlan) -> bool:
    """``new`` is ``old`` with nodes added at the end (same subnets, suite and first nodes)."""
    return ((old.management_cidr, old.provider_cidr, old.suite)
            == (new.management_cidr, new.provider_cidr, new.suite)
            and len(new.nodes) > len(old.nodes) and new.nodes[:len(old.nodes)] == old.nodes)


def up(plan: LabPlan | None, name: str, *, install_missing: bool = False,
       vm_cache: bool = True) -> UpResult:
    """Create or complete the lab; ``plan`` None means: the existing lab, or the default.

    A lab keeps the Debian suite it was made with: another suite is another topology.
    ``vm_cache`` pre-installs the packages of each VM node's roles into its image (vmlayer).
    """
    from installer.testbed.lab.topology import (
        DEFAULT_MANAGEMENT_CIDR,
        DEFAULT_NODE_COUNT,
        plan_default,
    )

    naming.validate_lab_name(name)
    checks.require_root()
    checks.require_tools(install_missing)
    if plan and any(n.vm for n in plan.nodes):
        checks.require_tools(install_missing, checks.VM_TOOLS)
    paths = LabPaths.for_lab(name)
    with lab_lock(paths):
        state = load_state(paths.state_file)
        if plan is None:
            plan = state.to_plan() if state else plan_default(
                name, DEFAULT_NODE_COUNT, DEFAULT_MANAGEMENT_CIDR)
        if state and _grows(state.to_plan(), plan):
            # Day 2: nodes appended to the answer file join the running lab; the others
            # are left as they are.
            state.nodes += [NodeState(name=n.name, index=n.index, address=n.address,
                                      roles=list(n.roles), vm=n.vm)
                            for n in plan.nodes[len(state.nodes):]]
            save_state(paths.state_file, state)
        if state and not _same_topology(state.to_plan(), plan):
            raise LabError(
                f"lab {name!r} already exists with another topology, subnet or suite",
                hint=f"run `stackinstall lab down --name {name}` first, "
                "or choose another --name",
            )
        if state and state.tearing_down:
            raise LabError(
                f"lab {name!r} is being torn down: an earlier `lab down` did not finish",
                hint=f"finish it with `stackinstall lab down --name {name}`, then `lab up` again",
            )
        if state is None:
            state = LabState.from_plan(plan)
        return _converge(plan, state, paths, vm_cache)


def _converge(plan: LabPlan, state: LabState, paths: LabPaths,
              vm_cache: bool = True) -> UpResult:
    result = UpResult(plan=plan, paths=paths)
    bridges = [naming.management_bridge(plan.name), naming.provider_bridge(plan.name)]
    to_start = [n for n in state.nodes if not (n.process and is_alive(n.process))]
    result.already_running = [n.name for n in state.nodes if n not in to_start]
    ensure_provider_addresses(plan, [n for n in state.nodes if n not in to_start])
    if not to_start and state.proxy and is_alive(state.proxy):
        return result
    mirrors = host_mirrors()
    cached = (Path(state.image).is_dir() if state.image
              else image.image_path(mirrors.main, suite=plan.suite).is_dir())
    vm_memory = sum(n.vm.memory_mib for n in to_start if n.vm) * checks.MIB
    checks.require_resources(len(to_start), cached, paths.root, vm_memory=vm_memory)
    for cidr in (plan.management_cidr, plan.provider_cidr):
        network.check_subnet_free(cidr, bridges)
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.root.chmod(0o700)
    save_state(paths.state_file, state)

    for cidr in (plan.management_cidr, plan.provider_cidr):
        network.ensure_guard_route(cidr)
    state.bridges = bridges
    save_state(paths.state_file, state)
    network.ensure_bridge(bridges[0], plan.bridge_address, plan.management_prefix,
                          naming.mac_address(plan.name, "bridge", "m"))
    prov_prefix = int(plan.provider_cidr.split("/")[1])
    network.ensure_bridge(bridges[1], plan.provider_bridge_address, prov_prefix,
                          naming.mac_address(plan.name, "bridge", "p"))

    _ensure_proxy(state, paths, plan, mirrors)

    if not state.image or not Path(state.image).is_dir():
        if not cached:
            out.print("building the node image (debootstrap, about a minute) ...")
        img, result.image_built = image.ensure_image(mirrors, paths.logs / "image-build.log",
                                                     plan.suite)
        state.image = str(img)
        save_state(paths.state_file, state)

    if any(n.vm for n in to_start):
        vms = [n for n in to_start if n.vm]
        _ensure_vm_images(state, paths, plan, mirrors, result, vms, vm_cache)
        result.accel = probe(_vm_image(vms[0], state).kernel)
    pubkey = ssh.ensure_keypair(paths.private_key)
    for node_state in to_start:
        node = plan.node(node_state.name)
        if node.vm and result.accel:
            _start_vm(node, node_state, plan, state, paths, mirrors, pubkey, result.accel)
        else:
            _start_node(node, node_state, plan, state, paths, mirrors, pubkey)
        result.started.append(node.name)
    _write_known_hosts(state, paths)
    result.degraded = _wait_ready(plan, [plan.node(n) for n in result.started], paths)

    from installer.testbed.lab.answerfile import write_lab_answers

    if not paths.answers.exists():
        result.virt_type = _probe_nested_kvm(plan, paths)
    _a, _s, result.answers_written = write_lab_answers(
        plan, paths, virt_type=result.virt_type[0] if result.virt_type else None)
    return result


def _vm_image(node_state: NodeState, state: LabState) -> vmimage.VmImage:
    """The image a VM node boots: its own variant, or the lab's base VM image."""
    return vmimage.VmImage(Path(node_state.image or state.vm_image))


def _probe_nested_kvm(plan: LabPlan, paths: LabPaths) -> tuple[str, str] | None:
    """Ask every compute VM whether a nested guest can use KVM (``accel.nested_virt_type``);
    None when some compute node is a container (the lab's default, qemu, holds)."""
    computes = [n for n in plan.nodes if "compute" in n.roles]
    if not computes or not all(n.vm for n in computes):
        return None
    said = {n.name: ssh.run_on(n.address, paths.private_key, paths.known_hosts,
                               GUEST_KVM_PROBE, timeout=60).strip() for n in computes}
    return nested_virt_type(said)


def _ensure_vm_images(state: LabState, paths: LabPaths, plan: LabPlan, mirrors: Mirrors,
                      result: UpResult, nodes: list[NodeState], vm_cache: bool) -> None:
    """Each VM node's image: the base VM image, or with ``vm_cache`` the variant with its
    roles' packages pre-installed (one per suite and package set, shared by labs)."""
    layers = _layers(plan, paths) if vm_cache else {}
    log = paths.logs / "vm-image-build.log"
    for node_state in nodes:
        if node_state.image and vmimage.VmImage(Path(node_state.image)).complete():
            continue
        packages, units = layers.get(node_state.name, ((), ()))
        spec = vmimage.VmImageSpec(suite=plan.suite, mirror=mirrors.main, layer=packages,
                                   disabled=units)
        if not vmimage.VmImage(spec.directory()).complete():
            out.print(f"building the VM image of {node_state.name} ({spec.variant}: "
                      "debootstrap with a kernel, and its roles' packages; a few minutes) ...")
        source = vmimage.LayerSource(node_sources(mirrors, plan.suite),
                                     aptproxy.proxy_apt_conf(plan.proxy_url))
        img, built = vmimage.ensure_vm_image(mirrors, plan.suite, log, packages, units, source)
        result.vm_image_built = result.vm_image_built or built
        result.vm_images[node_state.name] = (f"{spec.variant} {img.directory.name}"
                                             + (" (built now)" if built else " (cached)"))
        node_state.image = str(img.directory)
        state.vm_image = state.vm_image or str(img.directory)
        save_state(paths.state_file, state)


def _layers(plan: LabPlan, paths: LabPaths) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """VM node -> (packages, units) of its roles in the deployment the lab's answer file
    describes (compute VMs planned with KVM; a probe that says qemu leaves the deploy
    a small package to install)."""
    from installer.testbed.lab.answerfile import lab_settings
    from installer.testbed.lab.vmlayer import node_packages, node_units, planned_deployment

    settings = lab_settings(plan, paths, virt_type="kvm")
    dep = planned_deployment([(n.name, n.address, n.roles) for n in plan.nodes], settings)
    return {n.name: (node_packages(dep, n.name), node_units(dep, n.name))
            for n in plan.nodes if n.vm}


def _ensure_proxy(state: LabState, paths: LabPaths, plan: LabPlan, mirrors: Mirrors) -> None:
    if state.proxy and is_alive(state.proxy):
        return
    aptproxy.write_config(paths.proxy_dir, apt_cache_dir(plan.name), plan.bridge_address, mirrors)
    state.proxy = aptproxy.start(paths.proxy_dir, plan.bridge_address)
    save_state(paths.state_file, state)


def _start_node(
    node: LabNode,
    node_state: NodeState,
    plan: LabPlan,
    state: LabState,
    paths: LabPaths,
    mirrors: Mirrors,
    pubkey: str,
) -> None:
    ns = naming.netns(plan.name, node.name)
    mgmt = naming.host_veth(plan.name, node.index, "m")
    prov = naming.host_veth(plan.name, node.index, "p")
    node_state.netns, node_state.links = ns, [mgmt, prov]
    save_state(paths.state_file, state)
    network.ensure_netns(ns)
    network.ensure_node_link(mgmt, naming.management_bridge(plan.name), ns,
                             network.NODE_MGMT_IF, node.address, plan.management_prefix,
                             naming.mac_address(plan.name, node.name, network.NODE_MGMT_IF))
    network.ensure_node_link(prov, naming.provider_bridge(plan.name), ns,
                             network.NODE_PROVIDER_IF, provider_address(plan, node),
                             plan.provider_prefix,
                             naming.mac_address(plan.name, node.name, network.NODE_PROVIDER_IF))
    node_dir = paths.node_dir(node.name)
    node_state.mount = str(node_dir / "root")
    save_state(paths.state_file, state)
    root = rootfs.ensure_mounted(Path(state.image), node_dir)
    # Only a new node is configured: a restarted one keeps what the deployment made of its
    # /etc (hosts, apt sources), like a rebooted server.
    configured = node_dir / "configured"
    if not configured.exists():
        rootfs.configure(
            root, node, nodes=plan.nodes, lab=plan.name, bridge_address=plan.bridge_address,
            sources=node_sources(mirrors, plan.suite),
            apt_proxy_conf=aptproxy.proxy_apt_conf(plan.proxy_url),
            authorized_key=pubkey,
        )
        configured.write_text("rootfs configured by stackinstall lab up\n", encoding="utf-8")
    argv = container.nspawn_argv(root, node.name, network.NETNS_DIR / ns,
                                 machine=f"si-{plan.name}-{node.name}")
    orphans = container.kill_orphans(cgroups.processes(plan.name, node.name))
    if orphans:
        warn(f"{node.name}: ended an orphaned container init (pid {orphans[0]})")
    groups = cgroups.prepare(plan.name, node.name)
    node_state.process = container.start(argv, paths.node_log(node.name), groups)
    save_state(paths.state_file, state)


def _start_vm(
    node: LabNode,
    node_state: NodeState,
    plan: LabPlan,
    state: LabState,
    paths: LabPaths,
    mirrors: Mirrors,
    pubkey: str,
    accel: Accel,
) -> None:
    """Taps on both bridges, the disks (made once), the seed (first start only), qemu."""
    assert node.vm is not None
    taps = (naming.host_veth(plan.name, node.index, "m"),
            naming.host_veth(plan.name, node.index, "p"))
    node_state.links = list(taps)
    save_state(paths.state_file, state)
    vm.ensure_tap(taps[0], naming.management_bridge(plan.name))
    vm.ensure_tap(taps[1], naming.provider_bridge(plan.name))
    files = vm.VmFiles(paths.node_dir(node.name))
    img = _vm_image(node_state, state)
    vm.ensure_disks(img, files, node.vm)
    configured = files.node_dir / "configured"
    if not configured.exists():
        (files.seed_tree / "etc" / "ssh").mkdir(parents=True, exist_ok=True)
        rootfs.configure(
            files.seed_tree, node, nodes=plan.nodes, lab=plan.name,
            bridge_address=plan.bridge_address, sources=node_sources(mirrors, plan.suite),
            apt_proxy_conf=aptproxy.proxy_apt_conf(plan.proxy_url), authorized_key=pubkey,
        )
        provider = provider_address(plan, node)
        vm.write_seed(files, f"{node.address}/{plan.management_prefix}",
                      f"{provider}/{plan.provider_prefix}" if provider else None)
        configured.write_text("seed written by stackinstall lab up\n", encoding="utf-8")
    orphans = vm.kill_orphans(plan.name, node.name)
    if orphans:
        warn(f"{node.name}: ended an unrecorded qemu (pid {orphans[0]})")
    files.qmp.unlink(missing_ok=True)
    macs = tuple(naming.mac_address(plan.name, node.name, ifname)
                 for ifname in (network.NODE_MGMT_IF, network.NODE_PROVIDER_IF))
    argv = vm.qemu_argv(
        name=vm.guest_name(plan.name, node.name), spec=node.vm, accel=accel, image=img,
        files=files, nics=(vm.Nic(taps[0], macs[0]), vm.Nic(taps[1], macs[1])),
        cmdline=vm.kernel_cmdline(node.name, accel),
    )
    node_state.process = vm.start(argv, paths.node_log(node.name))
    save_state(paths.state_file, state)


def identity_root(node_state: NodeState, paths: LabPaths) -> Path | None:
    """Where the node's /etc (host keys) is readable from the host: a container's mounted
    root, a VM's seed tree."""
    if node_state.vm:
        return vm.VmFiles(paths.node_dir(node_state.name)).seed_tree
    return Path(node_state.mount) if node_state.mount else None


def ensure_provider_addresses(plan: LabPlan, running: list[NodeState]) -> list[str]:
    """Give running nodes their provider address (labs made before it existed get it too).

    Returns "node address" for each node that has one; nodes without are left untouched.
    """
    done = []
    for node_state in running:
        address = provider_address(plan, plan.node(node_state.name))
        if address and node_state.netns and network.netns_exists(node_state.netns):
            network.ensure_node_address(node_state.netns, network.NODE_PROVIDER_IF, address,
                                        plan.provider_prefix)
            done.append(f"{node_state.name} {address}")
    return done


def _write_known_hosts(state: LabState, paths: LabPaths) -> None:
    entries = []
    for n in state.nodes:
        root = identity_root(n, paths)
        if root and root.is_dir():
            entries.append((n.name, n.address, rootfs.host_public_keys(root)))
    paths.known_hosts.write_text(ssh.known_hosts_lines(entries))


def _wait_ready(plan: LabPlan, nodes: list[LabNode], paths: LabPaths) -> dict[str, str]:
    """Wait (bounded) for sshd and for systemd to finish booting on every started node."""
    if not nodes:
        return {}
    timeout = VM_BOOT_TIMEOUT if any(n.vm for n in nodes) else BOOT_TIMEOUT
    deadline = time.monotonic() + timeout

    def ready(node: LabNode) -> tuple[str, str | None, str]:
        problem = ssh.wait_for_ssh(node.address, paths.private_key, paths.known_hosts, deadline)
        if problem:
            return node.name, problem, ""
        left = max(5, int(deadline - time.monotonic()))
        system = ssh.run_on(node.address, paths.private_key, paths.known_hosts,
                            ["timeout", str(left), "systemctl", "is-system-running", "--wait"],
                            timeout=left + 10)
        return node.name, None, system.strip()

    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        results = list(pool.map(ready, nodes))
    failed = [(n, p) for n, p, _s in results if p]
    if failed:
        lines = "; ".join(f"{n}: {p} (log: {paths.node_log(n)})" for n, p in failed)
        raise LabError(
            f"{len(failed)} node(s) did not come up within {timeout:.0f} s: {lines}",
            hint="read the node log; `stackinstall lab up` again retries only those nodes",
        )
    return {n: s for n, _p, s in results if s != "running"}

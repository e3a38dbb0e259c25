"""`lab status`: what each node of a lab is doing, read from the host and over SSH."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from installer.errors import LabError
from installer.testbed.lab import aptproxy, container, ssh, vm
from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.state import LabState, NodeState, load_state
from installer.testbed.lab.system import is_alive


@dataclass(frozen=True)
class NodeStatus:
    name: str
    roles: tuple[str, ...]
    address: str
    state: str  # running | stopped
    system: str  # systemctl is-system-running, or "-" / "unreachable"
    memory: int | None
    pid: int | None
    #: ``container``, or ``vm`` (qemu: memory is its resident set, ``vm_spec`` its size)
    kind: str = "container"
    vm_spec: dict[str, int] | None = None


@dataclass(frozen=True)
class LabStatus:
    state: LabState
    paths: LabPaths
    proxy_running: bool
    nodes: tuple[NodeStatus, ...]


def read_status(name: str) -> LabStatus:
    paths = LabPaths.for_lab(name)
    state = load_state(paths.state_file)
    if state is None:
        raise LabError(f"there is no lab named {name!r}",
                       hint=f"create it with `stackinstall lab up --name {name}`")

    def one(node: NodeState) -> NodeStatus:
        alive = bool(node.process and is_alive(node.process))
        system = "-"
        memory = None
        if alive and node.process:
            memory = (vm.memory_bytes(node.process) if node.vm
                      else container.memory_bytes(node.process))
            answer = ssh.run_on(node.address, paths.private_key, paths.known_hosts,
                                ["systemctl", "is-system-running"], timeout=10)
            system = answer.strip() or "unreachable"
        return NodeStatus(
            name=node.name, roles=tuple(node.roles), address=node.address,
            state="running" if alive else "stopped", system=system, memory=memory,
            pid=node.process.pid if alive and node.process else None,
            kind=node.kind, vm_spec=node.vm.to_json() if node.vm else None,
        )

    with ThreadPoolExecutor(max_workers=max(1, len(state.nodes))) as pool:
        nodes = tuple(pool.map(one, state.nodes))
    proxy_running = bool(state.proxy and is_alive(state.proxy))
    return LabStatus(state=state, paths=paths, proxy_running=proxy_running, nodes=nodes)


def proxy_url(status: LabStatus) -> str:
    return f"http://{status.state.to_plan().bridge_address}:{aptproxy.PORT}"


def status_dict(status: LabStatus) -> dict[str, Any]:
    """``lab status --json`` (docs/contracts.md)."""
    st = status.state
    return {
        "name": st.name,
        "management_cidr": st.management_cidr,
        "provider_cidr": st.provider_cidr,
        "suite": st.suite,
        "tearing_down": st.tearing_down,
        "proxy": {"url": proxy_url(status), "running": status.proxy_running},
        "answers": str(status.paths.answers),
        "secrets": str(status.paths.secrets),
        "nodes": [{"name": n.name, "roles": list(n.roles), "address": n.address,
                   "state": n.state, "systemd": n.system, "memory_bytes": n.memory,
                   "pid": n.pid, "kind": n.kind, "vm": n.vm_spec} for n in status.nodes],
    }

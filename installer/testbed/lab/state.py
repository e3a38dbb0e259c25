"""The lab's state file: what the lab created on the host, so `lab down` removes exactly that."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer.errors import LabError
from installer.testbed.lab.system import ProcessRef
from installer.testbed.lab.topology import LabNode, LabPlan, VmSpec

STATE_VERSION = 1


@dataclass
class NodeState:
    """Host objects of one node."""

    name: str
    index: int
    address: str
    roles: list[str]
    netns: str = ""
    links: list[str] = field(default_factory=list)
    mount: str = ""
    process: ProcessRef | None = None
    #: set for a VM node (a qemu guest); its taps are in ``links``, it has no netns or mount
    vm: VmSpec | None = None
    #: a VM node's image directory (vmimage: the base or its roles' layer variant)
    image: str = ""

    @property
    def kind(self) -> str:
        return "vm" if self.vm else "container"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "index": self.index,
            "address": self.address,
            "roles": list(self.roles),
            "netns": self.netns,
            "links": list(self.links),
            "mount": self.mount,
            "process": self.process.to_json() if self.process else None,
            "vm": self.vm.to_json() if self.vm else None,
            "image": self.image,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NodeState:
        proc = data.get("process")
        vm = data.get("vm")
        return cls(
            name=str(data["name"]),
            index=int(data["index"]),
            address=str(data["address"]),
            roles=[str(r) for r in data.get("roles", [])],
            netns=str(data.get("netns", "")),
            links=[str(x) for x in data.get("links", [])],
            mount=str(data.get("mount", "")),
            process=ProcessRef.from_json(proc) if proc else None,
            vm=VmSpec.from_json(vm) if vm else None,
            image=str(data.get("image", "")),
        )


@dataclass
class LabState:
    """Everything one lab created; written after every step so a crash leaves a usable record."""

    name: str
    management_cidr: str
    provider_cidr: str
    image: str = ""
    #: the cached VM image directory (vmimage), when the lab has VM nodes
    vm_image: str = ""
    #: Debian suite of the nodes; state files written before suites existed mean bookworm.
    suite: str = "bookworm"
    bridges: list[str] = field(default_factory=list)
    proxy: ProcessRef | None = None
    nodes: list[NodeState] = field(default_factory=list)
    #: `lab down` has begun: only another `lab down` may touch this lab (it finishes the job).
    tearing_down: bool = False

    @classmethod
    def from_plan(cls, plan: LabPlan) -> LabState:
        return cls(
            name=plan.name,
            management_cidr=plan.management_cidr,
            provider_cidr=plan.provider_cidr,
            suite=plan.suite,
            nodes=[
                NodeState(name=n.name, index=n.index, address=n.address, roles=list(n.roles),
                          vm=n.vm)
                for n in plan.nodes
            ],
        )

    def to_plan(self) -> LabPlan:
        return LabPlan(
            name=self.name,
            management_cidr=self.management_cidr,
            provider_cidr=self.provider_cidr,
            suite=self.suite,
            nodes=tuple(
                LabNode(name=n.name, index=n.index, address=n.address, roles=tuple(n.roles),
                        vm=n.vm)
                for n in self.nodes
            ),
        )

    def node(self, name: str) -> NodeState:
        for node in self.nodes:
            if node.name == name:
                return node
        raise LabError(f"lab {self.name!r} has no node {name!r}",
                       hint="nodes: " + ", ".join(n.name for n in self.nodes))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "name": self.name,
            "management_cidr": self.management_cidr,
            "provider_cidr": self.provider_cidr,
            "image": self.image,
            "vm_image": self.vm_image,
            "suite": self.suite,
            "bridges": list(self.bridges),
            "proxy": self.proxy.to_json() if self.proxy else None,
            "nodes": [n.to_json() for n in self.nodes],
            "tearing_down": self.tearing_down,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabState:
        if data.get("version") != STATE_VERSION:
            raise LabError(
                f"unsupported lab state version {data.get('version')!r}",
                hint="run `stackinstall lab down` with the version that created this lab",
            )
        proxy = data.get("proxy")
        return cls(
            name=str(data["name"]),
            management_cidr=str(data["management_cidr"]),
            provider_cidr=str(data["provider_cidr"]),
            image=str(data.get("image", "")),
            vm_image=str(data.get("vm_image", "")),
            suite=str(data.get("suite", "bookworm")),
            bridges=[str(b) for b in data.get("bridges", [])],
            proxy=ProcessRef.from_json(proxy) if proxy else None,
            nodes=[NodeState.from_json(n) for n in data.get("nodes", [])],
            tearing_down=bool(data.get("tearing_down", False)),
        )


def load_state(path: Path) -> LabState | None:
    """The saved state, or None if the lab has none."""
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return LabState.from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError) as exc:
        raise LabError(
            f"lab state file {path} is damaged: {exc}",
            hint="inspect it; `stackinstall lab down` removes what it can identify by name",
        ) from None


def save_state(path: Path, state: LabState) -> None:
    """Write atomically (temp file + rename), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(state.to_json(), fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

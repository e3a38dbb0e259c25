"""Which nodes a lab has, with which roles and addresses (pure logic, no side effects)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from installer.answers.schema import DEFAULT_FOUR_NODES, TOPOLOGY_ROLES
from installer.errors import LabError
from installer.testbed.lab.naming import MAX_NODES, validate_node_name

DEFAULT_MANAGEMENT_CIDR = "10.213.0.0/24"
FIRST_NODE_OFFSET = 11
DEFAULT_NODE_COUNT = 4
#: A controller's address on the provider bridge is this + its node index (.11 for node 1):
#: low in the subnet, below the floating IP pool (its upper half) and above the bridge (.1).
PROVIDER_ADDRESS_OFFSET = 10
#: Roles whose neutron agent owns the provider interface (it must stay unaddressed there).
PROVIDER_AGENT_ROLES = frozenset({"network", "compute"})

_FOUR_NODE_ROLES: tuple[tuple[str, ...], ...] = tuple(roles for _, _, roles in DEFAULT_FOUR_NODES)


DEFAULT_VM_MEMORY_MIB = 2048
DEFAULT_VM_CPUS = 1
DEFAULT_VM_DATA_DISK_GIB = 20
#: The machine is shared: one VM never gets more than this many vCPUs.
MAX_VM_CPUS = 2
MIN_VM_MEMORY_MIB = 512


@dataclass(frozen=True)
class VmSpec:
    """Size of one VM node: memory, vCPUs and its data disk (``/dev/vdb``)."""

    memory_mib: int = DEFAULT_VM_MEMORY_MIB
    cpus: int = DEFAULT_VM_CPUS
    data_disk_gib: int = DEFAULT_VM_DATA_DISK_GIB

    def __post_init__(self) -> None:
        if not 1 <= self.cpus <= MAX_VM_CPUS:
            raise LabError(f"a VM node has 1 to {MAX_VM_CPUS} vCPUs, not {self.cpus}",
                           hint=f"use --vm-cpus 1..{MAX_VM_CPUS}")
        if self.memory_mib < MIN_VM_MEMORY_MIB:
            raise LabError(f"a VM node needs at least {MIN_VM_MEMORY_MIB} MiB, "
                           f"not {self.memory_mib}", hint="use a larger --vm-memory")
        if self.data_disk_gib < 1:
            raise LabError("a VM node's data disk needs at least 1 GiB",
                           hint="use --vm-disk 1 or more")

    def to_json(self) -> dict[str, int]:
        return {"memory_mib": self.memory_mib, "cpus": self.cpus,
                "data_disk_gib": self.data_disk_gib}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> VmSpec:
        return cls(memory_mib=int(str(data["memory_mib"])), cpus=int(str(data["cpus"])),
                   data_disk_gib=int(str(data["data_disk_gib"])))


@dataclass(frozen=True)
class LabNode:
    """One node of the lab: its host name, 1-based index, management address and roles;
    ``vm`` set makes it a qemu guest instead of a container."""

    name: str
    index: int
    address: str
    roles: tuple[str, ...]
    vm: VmSpec | None = None

    @property
    def kind(self) -> str:
        return "vm" if self.vm else "container"


@dataclass(frozen=True)
class LabPlan:
    """Everything needed to create a lab; derived from a node count or an answer file."""

    name: str
    management_cidr: str
    provider_cidr: str
    nodes: tuple[LabNode, ...] = field(default_factory=tuple)
    #: Debian suite of the nodes (installer.testbed.lab.sources.SUITES).
    suite: str = "bookworm"

    @property
    def bridge_address(self) -> str:
        return str(first_host(self.management_cidr))

    @property
    def provider_bridge_address(self) -> str:
        return str(first_host(self.provider_cidr))

    @property
    def management_prefix(self) -> int:
        return ipaddress.ip_network(self.management_cidr).prefixlen

    @property
    def provider_prefix(self) -> int:
        return ipaddress.ip_network(self.provider_cidr).prefixlen

    @property
    def proxy_url(self) -> str:
        return f"http://{self.bridge_address}:3142"

    def node(self, name: str) -> LabNode:
        for node in self.nodes:
            if node.name == name:
                return node
        known = ", ".join(n.name for n in self.nodes)
        raise LabError(f"lab {self.name!r} has no node {name!r}", hint=f"nodes: {known}")


def provider_address(plan: LabPlan, node: LabNode) -> str | None:
    """The address ``node`` gets on the provider bridge, or None (the interface stays bare).

    Only a controller that is neither a network nor a compute node gets one, so that it can
    reach floating IPs (tempest's validation SSHes to guests from the controller); on network
    and compute nodes neutron's agent owns the interface. The address is provider
    ``.10 + index``, in the lower half of the subnet (the default floating IP pool is the
    upper half); a subnet too small for that gives None. It adds only the subnet's connected
    route: no default route, no forwarding.
    """
    roles = set(node.roles)
    if "controller" not in roles or roles & PROVIDER_AGENT_ROLES:
        return None
    net = ipaddress.IPv4Network(plan.provider_cidr)
    offset = PROVIDER_ADDRESS_OFFSET + node.index
    if offset >= net.num_addresses // 2:
        return None
    return str(net.network_address + offset)


def parse_private_cidr(cidr: str, *, what: str = "subnet") -> ipaddress.IPv4Network:
    """Parse an IPv4 private network with room for a bridge and nodes."""
    try:
        net = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as exc:
        raise LabError(
            f"invalid {what} {cidr!r}: {exc}",
            hint="give an IPv4 network in CIDR form with host bits zero, e.g. 10.213.0.0/24",
        ) from None
    if not net.is_private or net.is_loopback or net.is_link_local:
        raise LabError(
            f"{what} {cidr} is not a private network",
            hint="lab traffic must never leave this machine: use an RFC 1918 range "
            "such as 10.213.0.0/24",
        )
    if net.prefixlen > 28:
        raise LabError(f"{what} {cidr} is too small", hint="use a /24 (or at least a /28)")
    return net


def first_host(cidr: str) -> ipaddress.IPv4Address:
    return next(ipaddress.IPv4Network(cidr).hosts())


def default_provider_cidr(management_cidr: str) -> str:
    """The block of the same size right after the management subnet (10.213.0.0/24 -> .1.0)."""
    net = ipaddress.IPv4Network(management_cidr)
    nxt = ipaddress.IPv4Network((int(net.network_address) + net.num_addresses, net.prefixlen))
    return str(nxt)


def default_roles(count: int) -> list[tuple[str, ...]]:
    """Roles for ``count`` nodes: 1 = all-in-one, 4 = the reference topology, >4 adds computes."""
    if count < 1:
        raise LabError("a lab needs at least one node", hint="use --nodes 1 or more")
    if count > MAX_NODES:
        raise LabError(f"a lab has at most {MAX_NODES} nodes", hint="use a smaller --nodes")
    if count == 1:
        return [TOPOLOGY_ROLES]
    if count == 2:
        return [("controller", "network", "storage"), ("compute",)]
    if count == 3:
        return [("controller", "storage"), ("network",), ("compute",)]
    return list(_FOUR_NODE_ROLES) + [("compute",)] * (count - 4)


def allocate_addresses(cidr: str, count: int) -> list[str]:
    """Node addresses: .11, .12, ... of ``cidr`` (the first host is the bridge)."""
    net = ipaddress.IPv4Network(cidr)
    first = int(net.network_address) + FIRST_NODE_OFFSET
    last = int(net.broadcast_address) - 1
    if first + count - 1 > last:
        room = max(0, last - first + 1)
        raise LabError(
            f"subnet {cidr} has room for {room} lab nodes, {count} requested",
            hint="use a larger --subnet (e.g. a /24) or fewer --nodes",
        )
    return [str(ipaddress.IPv4Address(first + i)) for i in range(count)]


def plan_default(
    name: str, count: int, management_cidr: str, provider_cidr: str | None = None
) -> LabPlan:
    """The default topology: ``openstack1..N`` on consecutive addresses."""
    net = parse_private_cidr(management_cidr, what="management subnet")
    prov = parse_private_cidr(
        provider_cidr or default_provider_cidr(str(net)), what="provider subnet"
    )
    _check_disjoint(net, prov)
    roles = default_roles(count)
    addresses = allocate_addresses(str(net), count)
    nodes = tuple(
        LabNode(name=f"openstack{i + 1}", index=i + 1, address=addresses[i], roles=roles[i])
        for i in range(count)
    )
    return LabPlan(name=name, management_cidr=str(net), provider_cidr=str(prov), nodes=nodes)


def plan_from_nodes(
    name: str,
    management_cidr: str,
    nodes: Sequence[tuple[str, str, Sequence[str]]],
    provider_cidr: str | None = None,
) -> LabPlan:
    """A plan for a given topology, e.g. the nodes of an operator's answer file."""
    net = parse_private_cidr(management_cidr, what="management subnet")
    prov = parse_private_cidr(
        provider_cidr or default_provider_cidr(str(net)), what="provider subnet"
    )
    _check_disjoint(net, prov)
    if not nodes:
        raise LabError("the topology has no nodes", hint="add nodes to the answer file")
    if len(nodes) > MAX_NODES:
        raise LabError(f"a lab has at most {MAX_NODES} nodes", hint="use fewer nodes")
    bridge = first_host(str(net))
    seen_names: set[str] = set()
    seen_addrs: set[str] = set()
    result: list[LabNode] = []
    for i, (node_name, address, roles) in enumerate(nodes, start=1):
        validate_node_name(node_name)
        try:
            addr = ipaddress.IPv4Address(address)
        except ValueError:
            raise LabError(
                f"node {node_name}: {address!r} is not an IPv4 address",
                hint="give every node an IPv4 management address",
            ) from None
        if addr not in net or addr in (net.network_address, net.broadcast_address):
            raise LabError(
                f"node {node_name}: address {addr} is not a host address of {net}",
                hint="every node's address must lie inside network.management_cidr",
            )
        if addr == bridge:
            raise LabError(
                f"node {node_name}: address {addr} is reserved for the lab bridge",
                hint=f"the first host address of {net} belongs to the host; "
                f"start nodes at .{FIRST_NODE_OFFSET}",
            )
        if node_name in seen_names or str(addr) in seen_addrs:
            raise LabError(
                f"node {node_name} ({addr}) is listed twice",
                hint="node names and addresses must be unique",
            )
        seen_names.add(node_name)
        seen_addrs.add(str(addr))
        result.append(LabNode(name=node_name, index=i, address=str(addr), roles=tuple(roles)))
    return LabPlan(
        name=name, management_cidr=str(net), provider_cidr=str(prov), nodes=tuple(result)
    )


def with_vms(plan: LabPlan, choice: Sequence[str], spec: VmSpec) -> LabPlan:
    """``plan`` with the nodes named in ``choice`` (by node name or by role) made VMs."""
    wanted = {c.strip() for c in choice if c.strip()}
    known = {n.name for n in plan.nodes} | {r for n in plan.nodes for r in n.roles}
    unknown = sorted(wanted - known)
    if unknown:
        raise LabError(
            f"--vm names no node or role of this lab: {', '.join(unknown)}",
            hint="name nodes (" + ", ".join(n.name for n in plan.nodes)
            + ") or roles (" + ", ".join(TOPOLOGY_ROLES) + ")",
        )
    nodes = tuple(
        replace(n, vm=spec) if n.name in wanted or wanted & set(n.roles) else n
        for n in plan.nodes
    )
    return replace(plan, nodes=nodes)


def _check_disjoint(a: ipaddress.IPv4Network, b: ipaddress.IPv4Network) -> None:
    if a.overlaps(b):
        raise LabError(
            f"the management subnet {a} and the provider subnet {b} overlap",
            hint="choose two separate subnets (--subnet and --provider-subnet)",
        )

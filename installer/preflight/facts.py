"""What preflight learned about one node (parsed from its commands' output)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Listener:
    port: int
    address: str
    process: str  # "python3 (pid 123)" or "" when ss could not name it


@dataclass(frozen=True)
class DeviceFacts:
    path: str
    kind: str  # block | not-block | missing
    #: lsblk rows of the device and its children: (name, type, mountpoint, fstype)
    tree: tuple[tuple[str, str, str, str], ...] = ()
    #: blkid -p signature, e.g. "ext4" or "LVM2_member" ("" when none)
    signature: str = ""
    holders: tuple[str, ...] = ()
    #: the LVM volume group the device is a physical volume of ("" when none)
    volume_group: str = ""
    #: the Ceph OSD directory on the node whose ``block`` links to the device ("" when none)
    osd: str = ""


@dataclass(frozen=True)
class DiskFree:
    path: str
    free_kib: int
    mount: str


@dataclass(frozen=True)
class NodeFacts:
    os_release: str = ""
    uid: int | None = None
    user: str = ""
    hostname: str = ""
    machine_id: str = ""
    cpus: int | None = None
    memory_kib: int | None = None
    disks: tuple[DiskFree, ...] = ()
    addresses: tuple[str, ...] = ()
    interfaces: tuple[str, ...] = ()
    kvm: bool = False
    python3: str = ""  # its version, "" when missing
    listeners: tuple[Listener, ...] | None = None  # None: ss is missing
    units: dict[str, str] = field(default_factory=dict)  # unit -> is-active state
    devices: dict[str, DeviceFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class Access:
    """Who the SSH login is, and whether ``sudo -n true`` worked (None: not asked, as root)."""

    uid: int | None
    sudo_rc: int | None = None
    sudo_output: str = ""


@dataclass(frozen=True)
class ClockSample:
    """The node's ``date +%s.%N`` and the deploy host's time just before and after asking."""

    remote: str
    before: float
    after: float


@dataclass(frozen=True)
class NodeProbe:
    """Everything collected from one node; ``login_error`` set means nothing else is."""

    name: str
    login_error: str = ""
    #: the key file is missing or cannot be used: the same for every node
    key_unusable: bool = False
    #: no SSH server answered at the node's address and ssh.port
    unreachable: bool = False
    host_key: str = ""
    access: Access | None = None
    facts: NodeFacts | None = None
    clock: ClockSample | None = None

"""The workload: one smoke run, step by step, the way a tenant uses the cloud.

1. upload the guest image (the built one, or an operator's file with ``--image``);
2. a flavor; a tenant network, subnet and router with its gateway on the external network;
   a key pair (made on the network node) and a security group allowing SSH and ICMP;
3. a volume; boot a guest on the compute node (the step names what libvirt runs it under,
   kvm or qemu, from the domain's XML); the built image says on its console that it
   is up, with its DHCP address and where its metadata came from; give the guest a
   floating IP and, once neutron reports it ACTIVE on the guest's address, reach it over
   SSH from the router's namespace; check that security groups are enforced (with
   linuxbridge, whose iptables firewall needs br_netfilter, blocked where the kernel has
   none; Open vSwitch's own firewall needs no such hook);
4. attach the volume, write data on it inside the guest, detach it; boot a second guest
   with a config drive, attach the volume and read the same data back;
5. delete everything in reverse order, always, and prove nothing named with this run's
   prefix is left.

With an operator's image the console says nothing the smoke can read: 'the guest booted
and read the metadata service' is blocked with that reason, and what SSH can show stands in
for it (the login with the key pair, which the first guest, without a config drive, can
only have read from the metadata service; the second guest's config drive by its label).
"""

from __future__ import annotations

import re
import secrets
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openstack import exceptions

from installer.catalogue import Firewall
from installer.testbed.smoke import diagnose
from installer.testbed.smoke import steps as s
from installer.testbed.smoke.cloud import again
from installer.testbed.smoke.guest import Booted, GuestShell, as_root, booted_line, make_key
from installer.testbed.smoke.image import GuestImage
from installer.testbed.smoke.ledger import Ledger
from installer.testbed.smoke.steps import Recorder, StepBlocked, StepFailed
from installer.verify.probes import last_line
from installer.verify.result import CheckResult, Progress, unheard

SERVER_TIMEOUT = 300
BOOT_TIMEOUT = 420.0
SSH_TIMEOUT = 120.0
VOLUME_TIMEOUT = 120
IMAGE_TIMEOUT = 600
FIP_TIMEOUT = 120.0
ROUTER_PORTS_TIMEOUT = 90.0
POLL = 3.0
SUBNET = "172.31.254.0/24"
EXTERNAL_NETWORK = "public"
DATA_MIB = 4
GUEST_RAM_MIB = 256
#: What the smoke assumes when nobody says: linuxbridge's agent (the catalogue's).
LINUXBRIDGE_FIREWALL = Firewall(driver="iptables", br_netfilter=True)
#: Where the kernel shows that bridged traffic passes iptables (br_netfilter).
BR_NETFILTER = "/proc/sys/net/bridge/bridge-nf-call-iptables"
#: The hypervisor of a libvirt domain, from the first line of its XML.
DOMAIN_TYPE = re.compile(r"<domain type=['\"](\w+)['\"]")
#: The device of the config drive's filesystem (util-linux and busybox both have findfs).
CONFIG_DRIVE = "findfs LABEL=config-2 2>/dev/null || findfs LABEL=CONFIG-2 2>/dev/null"
#: Wait for the attached volume's disk to show up in the guest.
WAIT_VDB = "for i in $(seq 60); do [ -b /dev/vdb ] && break; sleep 1; done; "


@dataclass
class Guest:
    """A server the smoke booted: its id, name, fixed address, and its console's line."""

    server_id: str
    name: str
    address: str = ""
    instance: str = ""  # the libvirt domain nova made for it
    booted: Booted | None = None


@dataclass
class SmokeRun:
    """One smoke run: API calls on ``conn``, SSH to nodes through ``node_host``."""

    conn: Any  # an openstack.connection.Connection
    controller: str
    compute_hosts: list[str]
    storage_hosts: list[str]
    image: Callable[[], GuestImage]
    node_host: Callable[[str], Any] | None = None
    storage_probe: Callable[[str], str | None] = lambda node: None
    prefix: str = field(default_factory=lambda: f"si-smoke-{secrets.token_hex(3)}")
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    guests: list[Guest] = field(default_factory=list)
    guest_image: GuestImage | None = None
    network_node: str = ""
    #: how the deployment's L2 agent enforces security groups (the catalogue's ``firewall``
    #: of the agent of network.mechanism_driver)
    firewall: Firewall = LINUXBRIDGE_FIREWALL
    floating_address: str = ""
    data_sha256: str = ""
    progress: Progress = unheard

    def __post_init__(self) -> None:
        self.recorder = Recorder(self.controller, self.clock, progress=self.progress)
        self.made = Ledger(self.conn, self.prefix, clock=self.clock, sleep=self.sleep)

    # -- plumbing -------------------------------------------------------------------------

    def read(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A read (or a delete), repeated after a transient error."""
        return again(call, *args, sleep=self.sleep, **kwargs)

    def on_node(self, node: str) -> Any:
        if self.node_host is None:
            raise StepFailed(f"no way to reach {node} over SSH")
        return self.node_host(node)

    @property
    def key_dir(self) -> str:
        return f"/tmp/{self.prefix}-key"

    @property
    def user(self) -> str:
        return self.guest_image.user if self.guest_image is not None else "root"

    def wait_volume(self, status: str, failures: list[str]) -> Any:
        storage = self.conn.block_storage
        volume = self.read(storage.get_volume, self.made["volume"])
        try:
            return storage.wait_for_status(volume, status, failures=failures, interval=2,
                                           wait=VOLUME_TIMEOUT)
        except exceptions.ResourceFailure as exc:
            raise StepFailed(f"volume {volume.id} went to an error state waiting for "
                             f"{status}: {exc}") from exc
        except exceptions.ResourceTimeout as exc:
            now = self.read(storage.get_volume, volume.id)
            raise StepFailed(f"volume {volume.id} is still {now.status} after "
                             f"{VOLUME_TIMEOUT} s, expected {status}") from exc

    # -- set-up steps ---------------------------------------------------------------------

    def upload(self) -> str:
        image = self.guest_image = self.image()
        name = f"{self.prefix}-image"
        try:
            made = self.conn.image.create_image(
                name, filename=str(image.path), disk_format=image.disk_format,
                container_format="bare", wait=True, timeout=IMAGE_TIMEOUT,
                hw_rng_model="virtio")
        except Exception:
            # an upload that failed half-way leaves a record named with the prefix
            if (left := self.read(self.conn.image.find_image, name)) is not None:
                self.made["image"] = left.id
            raise
        self.made["image"] = made.id
        try:
            made = self.conn.image.wait_for_status(made, "active", failures=["killed"],
                                                   interval=2, wait=IMAGE_TIMEOUT)
        except (exceptions.ResourceFailure, exceptions.ResourceTimeout) as exc:
            raise StepFailed(f"image {made.id} did not become active: {exc}") from exc
        return (f"{image.origin} {made.id} active ({made.size} bytes, {image.disk_format}, "
                f"from {image.path.name})")

    def flavor(self) -> str:
        flavor = self.conn.compute.create_flavor(name=f"{self.prefix}-flavor", vcpus=1,
                                                 ram=GUEST_RAM_MIB, disk=1)
        self.made["flavor"] = flavor.id
        return f"flavor {flavor.name} (1 vCPU, {GUEST_RAM_MIB} MiB, 1 GB)"

    def network(self) -> str:
        net_api = self.conn.network
        external = self.read(net_api.find_network, EXTERNAL_NETWORK, ignore_missing=True)
        if external is None or not external.is_router_external:
            raise StepFailed(f"there is no external network '{EXTERNAL_NETWORK}' for floating "
                             "IPs: set network.provider_cidr in the answer file and deploy "
                             "(the post phase creates it)")
        net = net_api.create_network(name=f"{self.prefix}-net")
        self.made["network"] = net.id
        # the range only exists inside neutron's namespaces on the lab's nodes
        subnet = net_api.create_subnet(network_id=net.id, ip_version=4, cidr=SUBNET,
                                       name=f"{self.prefix}-subnet")
        self.made["subnet"] = subnet.id
        router = net_api.create_router(name=f"{self.prefix}-router")
        self.made["router"] = router.id
        net_api.update_router(router, external_gateway_info={"network_id": external.id})
        self.made["router_gateway"] = external.id
        net_api.add_interface_to_router(router, subnet=subnet.id)
        self.made["router_interface"] = subnet.id
        agents = self.read(lambda: list(net_api.routers_hosting_l3_agents(router)))
        hosts = sorted(str(a.host) for a in agents)
        if not hosts:
            raise StepFailed(f"no L3 agent hosts router {router.id}")
        self.network_node = hosts[0]
        self._router_ports_active(router.id)
        kind = net.provider_network_type or "default type"
        return (f"{kind} network {net.id}, router on {', '.join(hosts)} with its gateway "
                f"on '{EXTERNAL_NETWORK}', its ports ACTIVE")

    def _router_ports_active(self, router: str) -> None:
        deadline = self.clock() + ROUTER_PORTS_TIMEOUT
        while True:
            ports = self.read(lambda: list(self.conn.network.ports(device_id=router)))
            states = {p.id: p.status for p in ports}
            if states and all(state == "ACTIVE" for state in states.values()):
                return
            if self.clock() > deadline:
                raise StepFailed(f"router ports are {sorted(set(map(str, states.values())))} "
                                 f"after {ROUTER_PORTS_TIMEOUT:.0f} s, expected ACTIVE "
                                 "(L2 agent on the network node?)")
            self.sleep(POLL)

    def access(self) -> str:
        public = make_key(self.on_node(self.network_node), self.key_dir)
        key = self.conn.compute.create_keypair(name=f"{self.prefix}-key", public_key=public)
        self.made["keypair"] = key.name
        net_api = self.conn.network
        group = net_api.create_security_group(name=f"{self.prefix}-sg")
        self.made["security_group"] = group.id
        self.ssh_rule()
        net_api.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                           ether_type="IPv4", protocol="icmp")
        return (f"key pair {key.name} (made on {self.network_node}), security group "
                f"{group.id} allowing SSH and ICMP")

    def ssh_rule(self) -> str:
        rule = self.conn.network.create_security_group_rule(
            security_group_id=self.made["security_group"], direction="ingress",
            ether_type="IPv4", protocol="tcp", port_range_min=22, port_range_max=22)
        return str(rule.id)

    def volume(self) -> str:
        for node in self.storage_hosts:
            if reason := self.storage_probe(node):
                raise StepBlocked(reason)
        vol = self.conn.block_storage.create_volume(name=f"{self.prefix}-volume", size=1)
        self.made["volume"] = vol.id
        vol = self.wait_volume("available", ["error", "error_deleting"])
        return f"volume {vol.id} available on {vol.host or '?'}"

    # -- the guests -----------------------------------------------------------------------

    def boot(self, name: str, *, config_drive: bool = False) -> Guest:
        target = self.compute_hosts[0]
        compute = self.conn.compute
        server = compute.create_server(
            name=f"{self.prefix}-{name}", image_id=self.made["image"],
            flavor_id=self.made["flavor"], networks=[{"uuid": self.made["network"]}],
            key_name=self.made["keypair"],
            security_groups=[{"name": self.made["security_group"]}],
            availability_zone=f"nova:{target}", config_drive=config_drive)
        guest = Guest(server.id, f"{self.prefix}-{name}")
        self.guests.append(guest)
        self.made[f"server:{name}"] = server.id
        try:
            server = compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                             interval=POLL, wait=SERVER_TIMEOUT)
        except (exceptions.ResourceFailure, exceptions.ResourceTimeout) as exc:
            now = self.read(compute.get_server, guest.server_id)
            fault = (now.fault or {}).get("message") if isinstance(now.fault, dict) else None
            state = (f"went to {now.status}" + (f": {fault}" if fault else "")
                     if isinstance(exc, exceptions.ResourceFailure)
                     else f"is still {now.status} after {SERVER_TIMEOUT} s, expected ACTIVE")
            raise StepFailed(f"server {guest.server_id} {state}; " + diagnose.server(
                self.conn, guest.server_id, target, self.node_host)) from exc
        if server.compute_host != target:
            raise StepFailed(f"server {guest.server_id} is ACTIVE on {server.compute_host}, "
                             f"expected {target}")
        guest.address = self.fixed_address(guest)
        guest.instance = str(getattr(server, "instance_name", "") or "")
        return guest

    def hypervisor(self, guest: Guest) -> str:
        """What libvirt on the compute node runs ``guest`` under (kvm or qemu), as the
        domain's own XML says: the proof that nova's virt_type took effect."""
        if not guest.instance:
            return "under a hypervisor nova did not name (no libvirt domain in the server)"
        got = self.on_node(self.compute_hosts[0]).run(
            f"virsh -c qemu:///system dumpxml {shlex.quote(guest.instance)}")
        found = DOMAIN_TYPE.search(got.stdout)
        if got.rc != 0 or found is None:
            return (f"libvirt domain {guest.instance} (its type unread: "
                    f"{last_line(got.stderr) or 'virsh printed no domain'})")
        return f"under {found[1]} (libvirt domain {guest.instance})"

    def fixed_address(self, guest: Guest) -> str:
        ports = self.read(lambda: list(self.conn.network.ports(device_id=guest.server_id)))
        for port in ports:
            for fixed in port.fixed_ips or []:
                return str(fixed.get("ip_address", ""))
        return ""

    def wait_booted(self, guest: Guest, want_metadata: str) -> str:
        deadline = self.clock() + BOOT_TIMEOUT
        console = ""
        while self.clock() < deadline:
            shown = self.read(self.conn.compute.get_server_console_output, guest.server_id)
            console = str((shown or {}).get("output") or "")
            if (found := booted_line(console)) is not None:
                guest.booted = found
                if found.address == "none":
                    # it cannot be reached, whatever it read from a config drive
                    raise StepFailed(f"{guest.name} booted without an address: DHCP gave it "
                                     f"no lease (metadata from {found.metadata}); "
                                     + diagnose.server(self.conn, guest.server_id,
                                                       self.compute_hosts[0], self.node_host))
                if found.metadata != want_metadata:
                    raise StepFailed(f"{guest.name} booted but took its metadata from "
                                     f"{found.metadata}, expected {want_metadata}")
                return (f"{guest.name} booted on {self.compute_hosts[0]}: address "
                        f"{found.address}, hostname {found.hostname}, metadata from "
                        f"{found.metadata}")
            self.sleep(POLL * 2)
        tail = " | ".join(line for line in console.strip().splitlines()[-3:])
        raise StepFailed(f"{guest.name}'s console has no 'booted' line after "
                         f"{BOOT_TIMEOUT:.0f} s; its last lines: {tail or '(empty)'}")

    def shell(self) -> GuestShell:
        return GuestShell(self.on_node(self.network_node), self.made["router"],
                          f"{self.key_dir}/id", user=self.user)

    def ssh(self, guest: Guest, command: str, timeout: float = SSH_TIMEOUT) -> str:
        """Run ``command`` in ``guest`` over its floating IP; retry until it answers."""
        deadline = self.clock() + timeout
        while True:
            got = self.shell().run(self.floating_address, command)
            if got.rc == 0:
                return str(got.stdout)
            if self.clock() > deadline:
                raise StepFailed(f"ssh {self.user}@{self.floating_address} ({guest.name}) "
                                 f"from the router's namespace on {self.network_node} failed "
                                 f"after {timeout:.0f} s: "
                                 f"{last_line(got.stderr) or last_line(got.stdout)}; "
                                 + self.why_unreachable(guest))
            self.sleep(POLL)

    @property
    def first_contact(self) -> float:
        """How long the first SSH into a guest may take: an operator's image was not seen
        to boot (no console line), so its boot time is included."""
        announced = self.guest_image is None or self.guest_image.announces
        return SSH_TIMEOUT if announced else BOOT_TIMEOUT

    def associate(self, guest: Guest) -> None:
        """Give ``guest`` the floating IP; wait until the L3 agent has applied it.

        neutron reports the floating IP ACTIVE, on the guest's fixed address, only once the
        L3 agent hosting the router has configured it; SSH before that meets nothing there.
        """
        net_api = self.conn.network
        ports = self.read(lambda: list(net_api.ports(device_id=guest.server_id)))
        if not ports:
            raise StepFailed(f"{guest.name} has no port to give the floating IP to")
        net_api.update_ip(self.made["floating_ip"], port_id=ports[0].id)
        want = guest.booted.address if guest.booted is not None else guest.address
        deadline = self.clock() + FIP_TIMEOUT
        while True:
            shown = self.read(net_api.get_ip, self.made["floating_ip"])
            fixed, status = shown.fixed_ip_address, str(shown.status)
            if status == "ACTIVE" and fixed and (not want or fixed == want):
                return
            if self.clock() > deadline:
                raise StepFailed(
                    f"floating IP {self.floating_address} is {status} on "
                    f"{fixed or 'no fixed address'} {FIP_TIMEOUT:.0f} s after it was given to "
                    f"{guest.name} (address {want or 'unknown'}): the L3 agent on "
                    f"{self.network_node} has not applied it; " + self.why_unreachable(guest))
            self.sleep(POLL)

    def why_unreachable(self, guest: Guest) -> str:
        """What the router's namespace shows of the path to ``guest`` (never raises)."""
        fixed = guest.booted.address if guest.booted is not None else guest.address
        try:
            host = self.on_node(self.network_node)
        except StepFailed as exc:
            return str(exc)
        facts = diagnose.router_namespace(host, self.made["router"], self.floating_address,
                                          fixed)
        return f"{facts} on {self.network_node}"

    def first_guest(self) -> str:
        guest = self.boot("guest1")
        return (f"server {guest.server_id} ACTIVE on {self.compute_hosts[0]} "
                f"{self.hypervisor(guest)}")

    def first_booted(self) -> str:
        if self.guest_image is not None and not self.guest_image.announces:
            raise StepBlocked(
                "the operator's image (--image) prints no stackinstall-guest 'booted' line, so "
                "its DHCP address and metadata source cannot be read from its console; the "
                "SSH login with the key pair (next step) shows that it read the metadata "
                "service")
        return self.wait_booted(self.guests[0], "metadata-service")

    def reach(self) -> str:
        guest = self.guests[-1]
        fip = self.conn.network.create_ip(
            floating_network_id=self.read(self.conn.network.find_network,
                                          EXTERNAL_NETWORK).id,
            description=f"{self.prefix}-fip")
        self.made["floating_ip"] = fip.id
        self.floating_address = str(fip.floating_ip_address)
        self.associate(guest)
        if self.user == "root" and (self.guest_image is None or self.guest_image.announces):
            return self._reach_built(guest)
        return self._reach_operator(guest)

    def _reach_built(self, guest: Guest) -> str:
        seen = self.ssh(guest, "hostname; cat /run/stackinstall-guest/metadata-source; "
                               "wc -l < /root/.ssh/authorized_keys")
        lines = seen.split()
        # nova names the guest's host after the server (its metadata adds a domain)
        if (len(lines) < 3 or lines[0].split(".")[0] != guest.name
                or lines[1] != "metadata-service"):
            raise StepFailed(f"inside {guest.name}: hostname, metadata source and key count "
                             f"are {lines}, expected [{guest.name}, metadata-service, 1]")
        return (f"ssh root@{self.floating_address} from qrouter-{self.made['router']} "
                f"on {self.network_node}: hostname {lines[0]}, metadata from {lines[1]}, "
                f"{lines[2]} authorized key")

    def _reach_operator(self, guest: Guest) -> str:
        seen = self.ssh(guest, "hostname; wc -l < ~/.ssh/authorized_keys", self.first_contact)
        lines = seen.split()
        if len(lines) < 2 or lines[0].split(".")[0] != guest.name:
            raise StepFailed(f"inside {guest.name}: hostname and key count are {lines}, "
                             f"expected [{guest.name}, a number]")
        return (f"ssh {self.user}@{self.floating_address} from qrouter-{self.made['router']} "
                f"on {self.network_node} with the smoke's key pair, which {guest.name} (no "
                f"config drive) can only have read from the metadata service: hostname "
                f"{lines[0]}, {lines[1]} authorized key(s)")

    def _need_br_netfilter(self, node: str) -> None:
        """An iptables firewall sees bridged traffic only through br_netfilter: blocked (a
        host limit) where ``node``'s kernel has none."""
        probe = self.on_node(node).run(f"cat {BR_NETFILTER}")
        if probe.rc != 0:
            kernel = self.on_node(node).run("uname -r").stdout.strip()
            raise StepBlocked(
                f"{node}'s kernel ({kernel}) has no br_netfilter ({BR_NETFILTER} is missing), "
                "so the linuxbridge agent's iptables rules never see bridged traffic and "
                "security groups cannot be enforced (a host limit, not a deployment fault)")

    def security_groups(self) -> str:
        firewall = f"firewall_driver {self.firewall.driver}"
        if self.firewall.br_netfilter:
            self._need_br_netfilter(self.compute_hosts[0])
            firewall += " through br_netfilter"
        net_api = self.conn.network
        rules = self.read(lambda: list(net_api.security_group_rules(
            security_group_id=self.made["security_group"], protocol="tcp")))
        ssh_rule = next((r for r in rules if r.port_range_min == 22), None)
        if ssh_rule is None:
            raise StepFailed("the smoke's SSH rule is missing from its security group")
        self.read(net_api.delete_security_group_rule, ssh_rule, ignore_missing=True)
        try:
            self.sleep(5)
            got = self.shell().run(self.floating_address, "true")
            if got.rc == 0:
                raise StepFailed("ssh still reached the guest after its security group lost "
                                 "the rule that allows port 22")
        finally:
            self.ssh_rule()
        return (f"without the SSH rule the guest was unreachable on port 22 ({firewall}); "
                "rule restored")

    def attach(self, guest: Guest) -> None:
        self.conn.compute.create_volume_attachment(guest.server_id,
                                                   volume=self.made["volume"])
        self.wait_volume("in-use", ["error", "error_attaching", "available"])

    def write_volume(self) -> str:
        guest = self.guests[-1]
        self.attach(guest)
        out = self.ssh(guest, as_root(self.user, (
            WAIT_VDB + f"head -c {DATA_MIB * 1048576} /dev/urandom > /tmp/data && "
            f"dd if=/tmp/data of=/dev/vdb bs=1048576 count={DATA_MIB} conv=fsync 2>/dev/null "
            "&& sync && sha256sum < /tmp/data")))
        digest = out.split()[0] if out.split() else ""
        if len(digest) != 64:
            raise StepFailed(f"writing on /dev/vdb in {guest.name} printed {out.strip()!r}")
        self.data_sha256 = digest
        return (f"volume {self.made['volume']} attached to {guest.name} as /dev/vdb; "
                f"{DATA_MIB} MiB written, sha256 {digest[:16]}…")

    def detach(self) -> str:
        guest = self.guests[-1]
        self.conn.compute.delete_volume_attachment(guest.server_id, self.made["volume"])
        self.wait_volume("available", ["error", "error_detaching"])
        self.made.delete_server(guest.server_id)
        self.made.pop("server:guest1")
        return f"volume {self.made['volume']} detached and available; {guest.name} deleted"

    def second_guest(self) -> str:
        if first := self.made.pop("server:guest1"):  # one guest at a time
            self.made.delete_server(first)
        guest = self.boot("guest2", config_drive=True)
        if self.guest_image is not None and not self.guest_image.announces:
            return self._config_drive_operator(guest)
        booted = self.wait_booted(guest, "config-drive")
        if "floating_ip" in self.made:
            self.associate(guest)
        return f"server {guest.server_id} with a config drive: {booted}"

    def _config_drive_operator(self, guest: Guest) -> str:
        if "floating_ip" not in self.made:
            raise StepBlocked("the operator's image shows its config drive only over SSH, "
                              "and there is no floating IP to reach it by")
        self.associate(guest)
        out = self.ssh(guest, as_root(self.user, CONFIG_DRIVE), self.first_contact).strip()
        if not out.startswith("/dev/"):
            raise StepFailed(f"{guest.name} has no filesystem labelled config-2 "
                             f"(findfs printed {out!r})")
        return (f"server {guest.server_id} with a config drive: {guest.name} answers SSH and "
                f"sees its config drive as {out.split()[0]}")

    def read_volume(self) -> str:
        guest = self.guests[-1]
        if "floating_ip" not in self.made:
            raise StepFailed("the guest has no floating IP to be reached by")
        self.attach(guest)
        out = self.ssh(guest, as_root(self.user, (
            WAIT_VDB + f"dd if=/dev/vdb bs=1048576 count={DATA_MIB} 2>/dev/null | sha256sum")))
        digest = out.split()[0] if out.split() else ""
        if digest != self.data_sha256:
            raise StepFailed(f"{guest.name} read sha256 {digest[:16] or '(nothing)'}… from "
                             f"the volume, expected {self.data_sha256[:16]}…")
        return (f"{guest.name} read the same {DATA_MIB} MiB back from volume "
                f"{self.made['volume']} (sha256 {digest[:16]}…)")

    # -- clean-up -------------------------------------------------------------------------

    def cleanup(self) -> str:
        message = self.made.delete_all()
        if self.network_node and self.node_host is not None:
            try:
                self.node_host(self.network_node).run(f"rm -rf {shlex.quote(self.key_dir)}")
            except Exception as exc:
                raise StepFailed(f"removing {self.key_dir} on {self.network_node}: "
                                 f"{exc}") from exc
        return message

    # -- the run --------------------------------------------------------------------------

    def plan(self) -> list[tuple[str, Callable[[], str], list[str]]]:
        """Each guest step, what it does, and the steps it needs."""
        base = [s.IMAGE, s.FLAVOR, s.NETWORK, s.ACCESS]
        # an operator's image is seen to be up by SSH, not by its console
        announced = self.guest_image is None or self.guest_image.announces
        return [
            (s.BOOT, self.first_guest, base),
            (s.BOOTED, self.first_booted, [s.BOOT]),
            (s.REACH, self.reach, [s.BOOTED] if announced else [s.BOOT]),
            (s.SECURITY_GROUPS, self.security_groups, [s.REACH]),
            (s.WRITE, self.write_volume, [s.REACH, s.VOLUME]),
            (s.DETACH, self.detach, [s.WRITE]),
            (s.BOOT_CONFIG_DRIVE, self.second_guest, base),
            (s.READ, self.read_volume, [s.BOOT_CONFIG_DRIVE, s.DETACH]),
        ]

    def run(self) -> list[CheckResult]:
        record = self.recorder
        try:
            for name, action in ((s.IMAGE, self.upload), (s.FLAVOR, self.flavor),
                                 (s.NETWORK, self.network), (s.ACCESS, self.access),
                                 (s.VOLUME, self.volume)):
                record.step(name, action)
            for name, action, needs in self.plan():
                if record.passed(needs):
                    record.step(name, action)
                else:
                    record.not_attempted(name, needs)
        finally:
            record.step(s.CLEANUP, self.cleanup)
            record.step(s.LEFTOVERS, self.made.leftovers)
        return record.results

"""The functional smoke: a real workload, the way a tenant uses the cloud, leaving nothing.

Runs the client on the controller as root with the post phase's clouds.yaml. Steps (each
one :class:`CheckResult` named ``smoke: <step>``, with its time):

1. upload the guest image (``installer/guest``: a distro kernel and busybox userland that
   takes DHCP, reads its key from the metadata service or a config drive, runs SSH);
2. a flavor; a tenant network, subnet and router with its gateway on the external network;
   a key pair (made on the network node) and a security group allowing SSH and ICMP;
3. a volume; boot a guest on the compute node, wait for its console's "booted" line, give
   it a floating IP and, once neutron reports it ACTIVE on the guest's address, reach it
   over SSH from the router's namespace (a guest without a DHCP address fails at boot);
   check it got its metadata; check security groups are enforced (blocked where the
   kernel cannot);
4. attach the volume, write data on it inside the guest, detach it; boot a second guest
   with a config drive, attach the volume and read the same data back;
5. delete everything in reverse order, always, and prove nothing named with this run's
   prefix is left.

A step the host cannot run is ``blocked`` with the reason (never ``pass``).
"""

from __future__ import annotations

import secrets
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer.verify import client, diagnose
from installer.verify.guest import Booted, GuestShell, booted_line, make_key
from installer.verify.inventory import Inventory
from installer.verify.probes import last_line
from installer.verify.result import BLOCKED, FAIL, PASS, CheckResult, Progress, unheard

WHERE = "stackinstall verify --smoke; the services' logs on the named nodes"
SERVER_TIMEOUT = 300.0
BOOT_TIMEOUT = 420.0
SSH_TIMEOUT = 120.0
VOLUME_TIMEOUT = 120.0
FIP_TIMEOUT = 120.0
POLL = 3.0
CLIENT_TIMEOUT = 180
CLIENT_ATTEMPTS = 3
# Calls that are safe to repeat after a dropped connection or an API that is briefly away.
RETRYABLE_VERBS = ("show", "list", "delete", "remove")
TRANSIENT = (*client.TRANSIENT, "Unable to establish", "(HTTP 502)", "(HTTP 503)", "(HTTP 504)")
SUBNET = "172.31.254.0/24"
EXTERNAL_NETWORK = "public"
DATA_MIB = 4
GUEST_RAM_MIB = 256
#: Where the kernel shows that bridged traffic passes iptables (br_netfilter).
BR_NETFILTER = "/proc/sys/net/bridge/bridge-nf-call-iptables"


class StepFailed(Exception):
    """A smoke step did not work; the message says what was seen."""


class StepBlocked(Exception):
    """A smoke step cannot run on this host; the message says why."""


@dataclass
class Guest:
    """A server the smoke booted and what it said when it was up."""

    server_id: str
    name: str
    booted: Booted | None = None


@dataclass
class SmokeRun:
    """One smoke run against the controller ``host`` (a testinfra host)."""

    host: Any
    cloud: str
    controller: str
    compute_hosts: list[str]
    storage_hosts: list[str]
    storage_probe: Callable[[str], str | None] = lambda node: None
    node_host: Callable[[str], Any] | None = None
    upload: Callable[[Path, str], None] | None = None
    guest_image: Callable[[], Path] | None = None
    prefix: str = field(default_factory=lambda: f"si-smoke-{secrets.token_hex(3)}")
    results: list[CheckResult] = field(default_factory=list)
    made: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    guests: list[Guest] = field(default_factory=list)
    data_sha256: str = ""
    network_node: str = ""
    #: hears of each step's result as the step ends
    progress: Progress = unheard

    # -- plumbing -------------------------------------------------------------------------

    def os(self, args: str, *, as_json: bool = True) -> Any:
        """Run the client; reads and deletes are retried after a dropped connection."""
        verb = args.split()[1] if len(args.split()) > 1 else ""
        retryable = verb in RETRYABLE_VERBS
        for attempt in range(1, CLIENT_ATTEMPTS + 1):
            try:
                return client.openstack(self.host, self.cloud, args, timeout=CLIENT_TIMEOUT,
                                        as_json=as_json)
            except client.ClientError as exc:
                if attempt < CLIENT_ATTEMPTS and retryable and exc.transient(TRANSIENT):
                    self.sleep(POLL)
                    continue
                # a retried delete whose first try went through finds nothing left
                gone = any(w in str(exc) for w in ("found", "Could not find", "(HTTP 404)",
                                                   "with a name or ID"))
                if attempt > 1 and verb in ("delete", "remove") and gone:
                    return None
                raise StepFailed(str(exc)) from exc
        raise AssertionError("unreachable")

    def step(self, name: str, action: Callable[[], str]) -> bool:
        started = self.clock()
        try:
            status, message = PASS, action()
        except StepBlocked as exc:
            status, message = BLOCKED, str(exc)
        except StepFailed as exc:
            status, message = FAIL, str(exc)
        except Exception as exc:  # a crashed step is a failed step, reported
            status, message = FAIL, f"{type(exc).__name__}: {exc}"
        self._record(CheckResult(
            check=f"smoke: {name}", node=self.controller, status=status, message=message,
            where=WHERE, duration_s=self.clock() - started,
        ))
        return status == PASS

    def _record(self, result: CheckResult) -> None:
        self.results.append(result)
        self.progress(result)

    def not_attempted(self, name: str, *needs: tuple[str, bool]) -> None:
        """Record ``name`` as not run because a step it needs did not pass.

        It inherits ``blocked`` when what it needs was blocked, else it fails.
        """
        missing = [need for need, ok in needs if not ok]
        status = FAIL
        for need in missing:
            earlier = next((r for r in self.results if r.check == f"smoke: {need}"), None)
            if earlier is not None and earlier.status == BLOCKED:
                status = BLOCKED
        self._record(CheckResult(
            check=f"smoke: {name}", node=self.controller, status=status,
            message="not attempted: " + "; ".join(f"'{m}' did not pass" for m in missing),
            where=WHERE))

    def wait_for(self, what: str, show: str, field_name: str, want: str,
                 timeout: float, bad: tuple[str, ...] = ("error",)) -> dict[str, Any]:
        deadline = self.clock() + timeout
        last: dict[str, Any] = {}
        while True:
            last = self.os(f"{what} show {shlex.quote(show)}")
            state = str(last.get(field_name, "")).lower()
            if state == want.lower():
                return last
            if state in bad:
                fault = last.get("fault") or {}
                detail = fault.get("message") if isinstance(fault, dict) else fault
                suffix = f": {detail}" if detail else ""
                raise StepFailed(f"{what} {show} went to {state}{suffix}")
            if self.clock() > deadline:
                raise StepFailed(f"{what} {show} is still {state} after {timeout:.0f} s, "
                                 f"expected {want}")
            self.sleep(POLL)

    def on_node(self, node: str) -> Any:
        if self.node_host is None:
            raise StepFailed(f"no way to reach {node} over SSH")
        return self.node_host(node)

    @property
    def key_dir(self) -> str:
        return f"/tmp/{self.prefix}-key"

    # -- set-up steps ---------------------------------------------------------------------

    def image(self) -> str:
        if self.guest_image is None or self.upload is None:
            raise StepFailed("the smoke was started without the guest image builder")
        local = self.guest_image()
        remote = f"/tmp/{self.prefix}.img"
        self.upload(local, remote)
        try:
            image = self.os(f"image create --disk-format raw --container-format bare "
                            f"--property hw_rng_model=virtio --file {remote} "
                            f"{self.prefix}-image")
        finally:
            self.host.run(f"rm -f {remote}")
        self.made["image"] = image["id"]
        image = self.wait_for("image", image["id"], "status", "active", 120, ("killed",))
        return f"guest image {image['id']} active ({image.get('size')} bytes from {local.name})"

    def flavor(self) -> str:
        flavor = self.os(f"flavor create --vcpus 1 --ram {GUEST_RAM_MIB} --disk 1 "
                         f"{self.prefix}-flavor")
        self.made["flavor"] = flavor["id"]
        return f"flavor {flavor['name']} (1 vCPU, {GUEST_RAM_MIB} MiB, 1 GB)"

    def network(self) -> str:
        external = self.os(f"network show {EXTERNAL_NETWORK}") if self._has_external() else None
        if external is None:
            raise StepFailed(f"there is no external network '{EXTERNAL_NETWORK}' for floating "
                             "IPs: set network.provider_cidr in the answer file and deploy "
                             "(the post phase creates it)")
        net = self.os(f"network create {self.prefix}-net")
        self.made["network"] = net["id"]
        # the range only exists inside neutron's namespaces on the lab's nodes
        subnet = self.os(f"subnet create --network {net['id']} --subnet-range {SUBNET} "
                         f"{self.prefix}-subnet")
        self.made["subnet"] = subnet["id"]
        router = self.os(f"router create {self.prefix}-router")
        self.made["router"] = router["id"]
        self.os(f"router set --external-gateway {external['id']} {router['id']}", as_json=False)
        self.made["router_gateway"] = external["id"]
        self.os(f"router add subnet {router['id']} {subnet['id']}", as_json=False)
        self.made["router_interface"] = subnet["id"]
        agents = self.os(f"network agent list --router {router['id']}")
        hosts = sorted(a.get("Host", "?") for a in agents or [])
        if not hosts:
            raise StepFailed(f"no L3 agent hosts router {router['id']}")
        self.network_node = hosts[0]
        self._router_ports_active(router["id"])
        kind = net.get("provider:network_type") or "default type"
        return (f"{kind} network {net['id']}, router on {', '.join(hosts)} with its gateway "
                f"on '{EXTERNAL_NETWORK}', its ports ACTIVE")

    def _has_external(self) -> bool:
        rows = self.os("network list --external") or []
        return any(r.get("Name") == EXTERNAL_NETWORK for r in rows)

    def _router_ports_active(self, router: str) -> None:
        deadline = self.clock() + 90
        while True:
            ports = self.os(f"port list --router {router} --long")
            states = {p.get("ID"): p.get("Status") for p in ports or []}
            if states and all(s == "ACTIVE" for s in states.values()):
                return
            if self.clock() > deadline:
                raise StepFailed(f"router ports are {sorted(set(states.values()))} after 90 s, "
                                 "expected ACTIVE (L2 agent on the network node?)")
            self.sleep(POLL)

    def access(self) -> str:
        public = make_key(self.on_node(self.network_node), self.key_dir)
        pub_file = f"/tmp/{self.prefix}.pub"
        wrote = self.host.run(f"printf '%s\\n' {shlex.quote(public)} > {pub_file}")
        if wrote.rc != 0:
            raise StepFailed(f"cannot write {pub_file}: {last_line(wrote.stderr)}")
        try:
            self.os(f"keypair create --public-key {pub_file} {self.prefix}-key")
        finally:
            self.host.run(f"rm -f {pub_file}")
        self.made["keypair"] = f"{self.prefix}-key"
        group = self.os(f"security group create {self.prefix}-sg")
        self.made["security_group"] = group["id"]
        for proto in ("--protocol tcp --dst-port 22", "--protocol icmp"):
            self.os(f"security group rule create --ingress {proto} {group['id']}")
        return (f"key pair {self.prefix}-key (made on {self.network_node}), security group "
                f"{group['id']} allowing SSH and ICMP")

    def volume(self) -> str:
        for node in self.storage_hosts:
            if reason := self.storage_probe(node):
                raise StepBlocked(reason)
        vol = self.os(f"volume create --size 1 {self.prefix}-volume")
        self.made["volume"] = vol["id"]
        vol = self.wait_for("volume", vol["id"], "status", "available", VOLUME_TIMEOUT,
                            ("error", "error_deleting"))
        return f"volume {vol['id']} available on {vol.get('os-vol-host-attr:host', '?')}"

    # -- the guests -----------------------------------------------------------------------

    def boot(self, name: str, *, config_drive: bool = False) -> Guest:
        target = self.compute_hosts[0]
        server = self.os(
            f"server create --image {self.made['image']} --flavor {self.made['flavor']} "
            f"--network {self.made['network']} --key-name {self.made['keypair']} "
            f"--security-group {self.made['security_group']} "
            f"--availability-zone nova:{target} "
            + ("--config-drive True " if config_drive else "")
            + f"{self.prefix}-{name}"
        )
        guest = Guest(server["id"], f"{self.prefix}-{name}")
        self.guests.append(guest)
        self.made[f"server:{name}"] = server["id"]
        try:
            server = self.wait_for("server", server["id"], "status", "ACTIVE", SERVER_TIMEOUT)
        except StepFailed as exc:
            raise StepFailed(f"{exc}; " + diagnose.explain(
                guest.server_id, target, lambda args: self.os(args), self.node_host)) from exc
        on = server.get("OS-EXT-SRV-ATTR:host")
        if on != target:
            raise StepFailed(f"server {guest.server_id} is ACTIVE on {on}, expected {target}")
        return guest

    def wait_booted(self, guest: Guest, want_metadata: str) -> str:
        deadline = self.clock() + BOOT_TIMEOUT
        console = ""
        while self.clock() < deadline:
            console = self.os(f"console log show {guest.server_id}", as_json=False) or ""
            if (found := booted_line(console)) is not None:
                guest.booted = found
                if found.address == "none":
                    # it cannot be reached, whatever it read from a config drive
                    raise StepFailed(f"{guest.name} booted without an address: DHCP gave it "
                                     f"no lease (metadata from {found.metadata}); "
                                     + diagnose.explain(guest.server_id, self.compute_hosts[0],
                                                        lambda args: self.os(args),
                                                        self.node_host))
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
                          f"{self.key_dir}/id")

    def ssh(self, guest: Guest, command: str, timeout: float = SSH_TIMEOUT) -> str:
        """Run ``command`` in ``guest`` over its floating IP; retry until it answers."""
        address = self.made["floating_ip_address"]
        deadline = self.clock() + timeout
        while True:
            got = self.shell().run(address, command)
            if got.rc == 0:
                return str(got.stdout)
            if self.clock() > deadline:
                raise StepFailed(f"ssh root@{address} ({guest.name}) from the router's "
                                 f"namespace on {self.network_node} failed after "
                                 f"{timeout:.0f} s: "
                                 f"{last_line(got.stderr) or last_line(got.stdout)}; "
                                 + self.why_unreachable(guest))
            self.sleep(POLL)

    def associate(self, guest: Guest) -> None:
        """Give ``guest`` the floating IP; wait until the L3 agent has applied it.

        neutron reports the floating IP ACTIVE, on the guest's fixed address, only once the
        L3 agent hosting the router has configured it; SSH before that meets nothing there.
        """
        fip = self.made["floating_ip"]
        self.os(f"server add floating ip {guest.server_id} "
                f"{self.made['floating_ip_address']}", as_json=False)
        want = guest.booted.address if guest.booted is not None else None
        deadline = self.clock() + FIP_TIMEOUT
        while True:
            shown = self.os(f"floating ip show {fip}")
            fixed, status = shown.get("fixed_ip_address"), str(shown.get("status"))
            if status == "ACTIVE" and fixed and (want is None or fixed == want):
                return
            if self.clock() > deadline:
                raise StepFailed(
                    f"floating IP {self.made['floating_ip_address']} is {status} on "
                    f"{fixed or 'no fixed address'} {FIP_TIMEOUT:.0f} s after it was given to "
                    f"{guest.name} (address {want or 'unknown'}): the L3 agent on "
                    f"{self.network_node} has not applied it; " + self.why_unreachable(guest))
            self.sleep(POLL)

    def why_unreachable(self, guest: Guest) -> str:
        """What the router's namespace shows of the path to ``guest`` (never raises)."""
        address = self.made.get("floating_ip_address", "")
        fixed = guest.booted.address if guest.booted is not None else ""
        ns = shlex.quote(f"qrouter-{self.made.get('router', '')}")
        probe = (f"ip netns exec {ns} ip -o -4 addr show | grep -qw {shlex.quote(address)} "
                 "&& echo fip=on-router || echo fip=missing; "
                 f"ip netns exec {ns} iptables -t nat -S | grep -c -e "
                 f"{shlex.quote('-d ' + address + '/32 -j DNAT --to-destination ' + fixed)} "
                 "| sed 's/^/dnat=/'; "
                 f"ip netns exec {ns} ip neigh show {shlex.quote(fixed or '0.0.0.0')} "
                 "| sed 's/^/neighbour=/'")
        try:
            seen = self.on_node(self.network_node).run(probe)
            facts = " ".join(str(seen.stdout).split()) or last_line(seen.stderr) or "nothing"
        except Exception as exc:  # diagnosis must never hide the original failure
            facts = f"unreadable ({exc})"
        return (f"in qrouter-{self.made.get('router')} on {self.network_node} for "
                f"{address} -> {fixed or '?'}: {facts}")

    def first_guest(self) -> str:
        guest = self.boot("guest1")
        return f"server {guest.server_id} ACTIVE on {self.compute_hosts[0]}"

    def first_booted(self) -> str:
        return self.wait_booted(self.guests[0], "metadata-service")

    def reach(self) -> str:
        guest = self.guests[-1]
        fip = self.os(f"floating ip create --description {self.prefix}-fip {EXTERNAL_NETWORK}")
        self.made["floating_ip"] = fip["id"]
        self.made["floating_ip_address"] = fip["floating_ip_address"]
        self.associate(guest)
        seen = self.ssh(guest, "hostname; cat /run/stackinstall-guest/metadata-source; "
                               "wc -l < /root/.ssh/authorized_keys")
        lines = seen.split()
        # nova names the guest's host after the server (its metadata adds a domain)
        if (len(lines) < 3 or lines[0].split(".")[0] != guest.name
                or lines[1] != "metadata-service"):
            raise StepFailed(f"inside {guest.name}: hostname, metadata source and key count "
                             f"are {lines}, expected [{guest.name}, metadata-service, 1]")
        return (f"ssh root@{fip['floating_ip_address']} from qrouter-{self.made['router']} "
                f"on {self.network_node}: hostname {lines[0]}, metadata from {lines[1]}, "
                f"{lines[2]} authorized key")

    def security_groups(self) -> str:
        node = self.compute_hosts[0]
        probe = self.on_node(node).run(f"cat {BR_NETFILTER}")
        if probe.rc != 0:
            kernel = self.on_node(node).run("uname -r").stdout.strip()
            raise StepBlocked(
                f"{node}'s kernel ({kernel}) has no br_netfilter ({BR_NETFILTER} is missing), "
                "so the linuxbridge agent's iptables rules never see bridged traffic and "
                "security groups cannot be enforced (a host limit, not a deployment fault)")
        rules = self.os(f"security group rule list --protocol tcp {self.made['security_group']}")
        ssh_rule = next((r for r in rules or [] if "22" in str(r.get("Port Range"))), None)
        if ssh_rule is None:
            raise StepFailed("the smoke's SSH rule is missing from its security group")
        self.os(f"security group rule delete {ssh_rule['ID']}", as_json=False)
        try:
            self.sleep(5)
            got = self.shell().run(self.made["floating_ip_address"], "true")
            if got.rc == 0:
                raise StepFailed("ssh still reached the guest after its security group lost "
                                 "the rule that allows port 22")
        finally:
            self.os(f"security group rule create --ingress --protocol tcp --dst-port 22 "
                    f"{self.made['security_group']}")
        return "without the SSH rule the guest was unreachable on port 22; rule restored"

    def write_volume(self) -> str:
        guest = self.guests[-1]
        self.os(f"server add volume {guest.server_id} {self.made['volume']}", as_json=False)
        self.wait_for("volume", self.made["volume"], "status", "in-use", VOLUME_TIMEOUT,
                      ("error", "error_attaching", "available"))
        out = self.ssh(guest, (
            "for i in $(seq 60); do [ -b /dev/vdb ] && break; sleep 1; done; "
            f"head -c {DATA_MIB * 1048576} /dev/urandom > /tmp/data && "
            f"dd if=/tmp/data of=/dev/vdb bs=1048576 count={DATA_MIB} conv=fsync 2>/dev/null && "
            "sync && sha256sum < /tmp/data"))
        digest = out.split()[0] if out.split() else ""
        if len(digest) != 64:
            raise StepFailed(f"writing on /dev/vdb in {guest.name} printed {out.strip()!r}")
        self.data_sha256 = digest
        return (f"volume {self.made['volume']} attached to {guest.name} as /dev/vdb; "
                f"{DATA_MIB} MiB written, sha256 {digest[:16]}…")

    def detach(self) -> str:
        guest = self.guests[-1]
        self.os(f"server remove volume {guest.server_id} {self.made['volume']}", as_json=False)
        self.wait_for("volume", self.made["volume"], "status", "available", VOLUME_TIMEOUT,
                      ("error", "error_detaching"))
        self.os(f"server delete --wait {guest.server_id}", as_json=False)
        self.made.pop("server:guest1", None)
        return f"volume {self.made['volume']} detached and available; {guest.name} deleted"

    def second_guest(self) -> str:
        if first := self.made.pop("server:guest1", None):  # one guest at a time
            self.os(f"server delete --wait {first}", as_json=False)
        guest = self.boot("guest2", config_drive=True)
        booted = self.wait_booted(guest, "config-drive")
        if "floating_ip_address" in self.made:
            self.associate(guest)
        return f"server {guest.server_id} with a config drive: {booted}"

    def read_volume(self) -> str:
        guest = self.guests[-1]
        if "floating_ip_address" not in self.made:
            raise StepFailed("the guest has no floating IP to be reached by")
        self.os(f"server add volume {guest.server_id} {self.made['volume']}", as_json=False)
        self.wait_for("volume", self.made["volume"], "status", "in-use", VOLUME_TIMEOUT,
                      ("error", "error_attaching", "available"))
        out = self.ssh(guest, (
            "for i in $(seq 60); do [ -b /dev/vdb ] && break; sleep 1; done; "
            f"dd if=/dev/vdb bs=1048576 count={DATA_MIB} 2>/dev/null | sha256sum"))
        digest = out.split()[0] if out.split() else ""
        if digest != self.data_sha256:
            raise StepFailed(f"{guest.name} read sha256 {digest[:16] or '(nothing)'}… from "
                             f"the volume, expected {self.data_sha256[:16]}…")
        return (f"{guest.name} read the same {DATA_MIB} MiB back from volume "
                f"{self.made['volume']} (sha256 {digest[:16]}…)")

    # -- clean-up -------------------------------------------------------------------------

    def cleanup(self) -> str:
        """Delete in reverse order; every error is collected, none stops the rest."""
        errors: list[str] = []

        def attempt(args: str) -> None:
            try:
                self.os(args, as_json=False)
            except StepFailed as exc:
                errors.append(f"{args}: {exc}")

        m = self.made
        for key in [k for k in m if k.startswith("server:")]:
            attempt(f"server delete --wait {m[key]}")
        if "floating_ip" in m:
            attempt(f"floating ip delete {m['floating_ip']}")
        if "volume" in m:
            self._wait_volume_free(m["volume"])
            attempt(f"volume delete {m['volume']}")
        if "router_interface" in m:
            attempt(f"router remove subnet {m['router']} {m['router_interface']}")
        if "router_gateway" in m:
            attempt(f"router unset --external-gateway {m['router']}")
        for kind in ("router", "subnet", "network", "security_group", "keypair", "flavor",
                     "image"):
            if kind in m:
                attempt(f"{kind.replace('_', ' ')} delete {m[kind]}")
        if self.network_node and self.node_host is not None:
            try:
                self.node_host(self.network_node).run(f"rm -rf {shlex.quote(self.key_dir)}")
            except Exception as exc:
                errors.append(f"removing {self.key_dir} on {self.network_node}: {exc}")
        if errors:
            raise StepFailed("; ".join(errors))
        gone = [k for k in m if k not in ("router_interface", "router_gateway",
                                          "floating_ip_address")]
        return f"deleted {', '.join(gone) or 'nothing'}"

    def _wait_volume_free(self, volume: str) -> None:
        deadline = self.clock() + VOLUME_TIMEOUT
        while self.clock() < deadline:
            try:
                state = self.os(f"volume show {volume}").get("status")
            except StepFailed:
                return
            if state not in ("in-use", "detaching", "attaching", "creating", "deleting"):
                return
            self.sleep(POLL)

    def leftovers(self) -> str:
        """Nothing named with this run's prefix may remain, in any listing."""
        listings = {
            "server": ("server list --all-projects", "Name"),
            "volume": ("volume list --all-projects", "Name"),
            "router": ("router list", "Name"),
            "subnet": ("subnet list", "Name"),
            "network": ("network list", "Name"),
            "security group": ("security group list --all-projects", "Name"),
            "key pair": ("keypair list", "Name"),
            "floating ip": ("floating ip list --long", "Description"),
            "flavor": ("flavor list --all", "Name"),
            "image": ("image list", "Name"),
        }
        left = []
        for kind, (args, column) in listings.items():
            for row in self.os(args) or []:
                if str(row.get(column, "")).startswith(self.prefix):
                    left.append(f"{kind} {row.get(column)} ({row.get('ID')})")
        if left:
            raise StepFailed("left behind: " + ", ".join(left))
        return f"no resource named {self.prefix}* remains"

    # -- the run --------------------------------------------------------------------------

    def run(self) -> list[CheckResult]:
        s = self.step
        try:
            image = s("upload the guest image", self.image)
            flavor = s("create a flavor", self.flavor)
            net = s("create a network, subnet and router on the external network",
                    self.network)
            access = s("create a key pair and a security group", self.access)
            volume = s("create a volume", self.volume)
            base = [("upload the guest image", image), ("create a flavor", flavor),
                    ("create a network, subnet and router on the external network", net),
                    ("create a key pair and a security group", access)]
            vol = ("create a volume", volume)
            boot1, booted, reach = (
                "boot a guest on the compute node",
                "the guest booted and read the metadata service",
                "reach the guest over SSH by its floating IP")
            write, detach = ("attach the volume and write on it in the guest",
                             "detach the volume")
            boot2 = "boot a second guest with a config drive"
            # step, what it does, the steps it needs
            plan_: list[tuple[str, Callable[[], str], list[str]]] = [
                (boot1, self.first_guest, []),
                (booted, self.first_booted, [boot1]),
                (reach, self.reach, [booted]),
                ("security groups are enforced", self.security_groups, [reach]),
                (write, self.write_volume, [reach]),
                (detach, self.detach, [write]),
                (boot2, self.second_guest, []),
                ("attach the volume to it and read the data back", self.read_volume,
                 [boot2, detach]),
            ]
            done: dict[str, bool] = dict([*base, vol])
            for name, action, after in plan_:
                required = ([*base] if not after else []) + [
                    (n, done.get(n, False)) for n in after]
                if name == write:
                    required.append(vol)
                if all(ok for _, ok in required):
                    done[name] = s(name, action)
                else:
                    self.not_attempted(name, *required)
                    done[name] = False
        finally:
            s("delete everything", self.cleanup)
            s("nothing left behind", self.leftovers)
        return self.results


def storage_probe(host_for: Callable[[str], Any],
                  backend: str = "loop") -> Callable[[str], str | None]:
    """Why cinder's backend cannot make a volume on ``node``, or None when it can.

    Only LVM (backends loop and device) needs the kernel's device-mapper; Ceph RBD needs
    nothing of the storage node's kernel.
    """

    def probe(node: str) -> str | None:
        if backend == "ceph":
            return None
        host = host_for(node)
        # /dev/mapper/control may exist (LVM's tools create the node) without the driver
        if host.run("grep -qw device-mapper /proc/misc").rc != 0:
            kernel = host.run("uname -r").stdout.strip()
            return (f"{node}'s kernel ({kernel}) has no device-mapper (not in /proc/misc), "
                    "which cinder's LVM backend needs to create a volume "
                    "(a host limit, not a deployment fault; cinder.backend: ceph needs none)")
        return None

    return probe


def plan(inventory: Inventory) -> tuple[str, list[str], list[str]]:
    """The controller (keystone group), compute and storage node names."""
    controllers = [n.name for n in inventory.group("keystone")]
    if not controllers:
        raise ValueError("the inventory has no keystone node to run the smoke from")
    computes = sorted(n.name for n in inventory.group("nova_compute"))
    storage = sorted(n.name for n in inventory.group("cinder_volume"))
    return controllers[0], computes, storage

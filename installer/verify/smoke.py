"""The functional smoke: use the cloud the way a tenant would, then leave nothing behind.

Runs on the controller as root with the post phase's clouds.yaml: upload a small image,
make a flavor, a self-service network, subnet and router, a volume, boot a server on a
compute node until ACTIVE, attach the volume, then delete everything it made (in reverse)
and prove that nothing named with this run's prefix is left. Each step becomes one
:class:`CheckResult` (check ``smoke: <step>``) so the table, JSON and JUnit reports are
the same as for the node checks.

A step whose precondition the host cannot meet is ``blocked`` (never ``pass``): a volume
needs the kernel's device-mapper on the storage node for cinder's LVM backend.
"""

from __future__ import annotations

import secrets
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from installer.verify import client
from installer.verify.execute import FAIL, PASS, CheckResult
from installer.verify.inventory import Inventory
from installer.verify.probes import last_line

BLOCKED = "blocked"
WHERE = "stackinstall verify --smoke; the services' logs on the named nodes"
IMAGE_MIB = 1
SERVER_TIMEOUT = 300.0
VOLUME_TIMEOUT = 120.0
POLL = 3.0
CLIENT_TIMEOUT = 180
CLIENT_ATTEMPTS = 3
# Calls that are safe to repeat after a dropped connection or an API that is briefly away.
RETRYABLE_VERBS = ("show", "list", "delete", "remove")
TRANSIENT = (*client.TRANSIENT, "Unable to establish", "(HTTP 502)", "(HTTP 503)", "(HTTP 504)")
SUBNET = "172.31.254.0/24"


class StepFailed(Exception):
    """A smoke step did not work; the message says what was seen."""


class StepBlocked(Exception):
    """A smoke step cannot run on this host; the message says why."""


@dataclass
class SmokeRun:
    """One smoke run against the controller ``host`` (a testinfra host)."""

    host: Any
    cloud: str
    controller: str
    compute_hosts: list[str]
    storage_hosts: list[str]
    storage_probe: Callable[[str], str | None] = lambda node: None
    prefix: str = field(default_factory=lambda: f"si-smoke-{secrets.token_hex(3)}")
    results: list[CheckResult] = field(default_factory=list)
    made: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

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
                gone = any(w in str(exc) for w in ("found", "Could not find", "(HTTP 404)"))
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
        self.results.append(CheckResult(
            check=f"smoke: {name}", node=self.controller, status=status, message=message,
            where=WHERE, duration_s=self.clock() - started,
        ))
        return status == PASS

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

    # -- the steps ------------------------------------------------------------------------

    def image(self) -> str:
        path = f"/tmp/{self.prefix}.img"
        made = self.host.run(f"head -c {IMAGE_MIB}M /dev/zero > {path}")
        if made.rc != 0:
            raise StepFailed(f"cannot write {path}: {last_line(made.stderr)}")
        try:
            image = self.os(f"image create --disk-format raw --container-format bare "
                            f"--file {path} {self.prefix}-image")
        finally:
            self.host.run(f"rm -f {path}")
        self.made["image"] = image["id"]
        image = self.wait_for("image", image["id"], "status", "active", 60, ("killed",))
        return f"image {image['id']} active ({image.get('size')} bytes)"

    def flavor(self) -> str:
        flavor = self.os(f"flavor create --vcpus 1 --ram 64 --disk 1 {self.prefix}-flavor")
        self.made["flavor"] = flavor["id"]
        return f"flavor {flavor['name']} (1 vCPU, 64 MiB, 1 GB)"

    def network(self) -> str:
        net = self.os(f"network create {self.prefix}-net")
        self.made["network"] = net["id"]
        # the range only exists inside neutron's namespaces on the lab's nodes
        subnet = self.os(f"subnet create --network {net['id']} --subnet-range {SUBNET} "
                         f"{self.prefix}-subnet")
        self.made["subnet"] = subnet["id"]
        router = self.os(f"router create {self.prefix}-router")
        self.made["router"] = router["id"]
        self.os(f"router add subnet {router['id']} {subnet['id']}", as_json=False)
        self.made["router_interface"] = subnet["id"]
        agents = self.os(f"network agent list --router {router['id']}")
        hosts = sorted(a.get("Host", "?") for a in agents or [])
        if not hosts:
            raise StepFailed(f"no L3 agent hosts router {router['id']}")
        port = self._router_port_active(router["id"])
        kind = net.get("provider:network_type") or "default type"
        return f"{kind} network {net['id']}, router on {', '.join(hosts)}, its ports {port}"

    def _router_port_active(self, router: str) -> str:
        deadline = self.clock() + 60
        while True:
            ports = self.os(f"port list --router {router} --long")
            states = {p.get("ID"): p.get("Status") for p in ports or []}
            if states and all(s == "ACTIVE" for s in states.values()):
                return "ACTIVE"
            if self.clock() > deadline:
                raise StepFailed(f"router ports are {sorted(set(states.values()))} after 60 s, "
                                 "expected ACTIVE (L2 agent on the network node?)")
            self.sleep(POLL)

    def volume(self) -> str:
        for node in self.storage_hosts:
            if reason := self.storage_probe(node):
                raise StepBlocked(reason)
        vol = self.os(f"volume create --size 1 {self.prefix}-volume")
        self.made["volume"] = vol["id"]
        vol = self.wait_for("volume", vol["id"], "status", "available", VOLUME_TIMEOUT,
                            ("error", "error_deleting"))
        return f"volume {vol['id']} available on {vol.get('os-vol-host-attr:host', '?')}"

    def server(self) -> str:
        target = self.compute_hosts[0]
        server = self.os(
            f"server create --image {self.made['image']} --flavor {self.made['flavor']} "
            f"--network {self.made['network']} --availability-zone nova:{target} "
            f"{self.prefix}-server"
        )
        self.made["server"] = server["id"]
        server = self.wait_for("server", server["id"], "status", "ACTIVE", SERVER_TIMEOUT)
        on = server.get("OS-EXT-SRV-ATTR:host")
        if on != target:
            raise StepFailed(f"server {server['id']} is ACTIVE on {on}, expected {target}")
        return f"server {server['id']} ACTIVE on {on}"

    def attach(self) -> str:
        self.os(f"server add volume {self.made['server']} {self.made['volume']}", as_json=False)
        vol = self.wait_for("volume", self.made["volume"], "status", "in-use", VOLUME_TIMEOUT,
                            ("error", "error_attaching", "available"))
        return f"volume {vol['id']} in-use by the server"

    def cleanup(self) -> str:
        """Delete in reverse order; every error is collected, none stops the rest."""
        errors: list[str] = []

        def attempt(args: str) -> None:
            try:
                self.os(args, as_json=False)
            except StepFailed as exc:
                errors.append(f"{args}: {exc}")

        m = self.made
        if "server" in m:
            attempt(f"server delete --wait {m['server']}")
        if "volume" in m:
            self._wait_volume_free(m["volume"])
            attempt(f"volume delete {m['volume']}")
        if "router_interface" in m:
            attempt(f"router remove subnet {m['router']} {m['router_interface']}")
        for kind in ("router", "subnet", "network", "flavor", "image"):
            if kind in m:
                attempt(f"{kind} delete {m[kind]}")
        if errors:
            raise StepFailed("; ".join(errors))
        return f"deleted {', '.join(k for k in m if k != 'router_interface') or 'nothing'}"

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
            "server": "server list --all-projects", "volume": "volume list --all-projects",
            "router": "router list", "subnet": "subnet list", "network": "network list",
            "flavor": "flavor list --all", "image": "image list",
        }
        left = []
        for kind, args in listings.items():
            for row in self.os(args) or []:
                if str(row.get("Name", "")).startswith(self.prefix):
                    left.append(f"{kind} {row.get('Name')} ({row.get('ID')})")
        if left:
            raise StepFailed("left behind: " + ", ".join(left))
        return f"no resource named {self.prefix}* remains"

    def run(self) -> list[CheckResult]:
        try:
            image = self.step("upload an image", self.image)
            flavor = self.step("create a flavor", self.flavor)
            network = self.step("create a network, subnet and router", self.network)
            volume = self.step("create a volume", self.volume)
            volume_result = self.results[-1]
            if image and flavor and network:
                server = self.step("boot a server to ACTIVE", self.server)
            else:
                server = False
                self.results.append(CheckResult(
                    check="smoke: boot a server to ACTIVE", node=self.controller, status=FAIL,
                    message="not attempted: the image, flavor or network step failed",
                    where=WHERE))
            if server and volume:
                self.step("attach the volume", self.attach)
            else:
                why = "no volume" if not volume else "no server"
                status = volume_result.status if not volume else FAIL
                self.results.append(CheckResult(
                    check="smoke: attach the volume", node=self.controller, status=status,
                    message=f"not attempted: {why}"
                    + (f" ({volume_result.message})" if not volume else ""),
                    where=WHERE))
        finally:
            self.step("delete everything", self.cleanup)
            self.step("nothing left behind", self.leftovers)
        return self.results


def storage_probe(host_for: Callable[[str], Any]) -> Callable[[str], str | None]:
    """Why cinder's LVM backend cannot make a volume on ``node``, or None when it can."""

    def probe(node: str) -> str | None:
        host = host_for(node)
        # /dev/mapper/control may exist (LVM's tools create the node) without the driver
        if host.run("grep -qw device-mapper /proc/misc").rc != 0:
            kernel = host.run("uname -r").stdout.strip()
            return (f"{node}'s kernel ({kernel}) has no device-mapper (not in /proc/misc), "
                    "which cinder's LVM backend needs to create a volume "
                    "(a host limit, not a deployment fault)")
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

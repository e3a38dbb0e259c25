"""What the smoke made, deleted in reverse order, and the proof that nothing is left.

Every resource the smoke makes is named (or, for a floating IP, described) with the run's
prefix and entered here as soon as the API returns it. Deletion goes in reverse order,
ignores what is already gone (openstacksdk's ``ignore_missing``), collects every error
without stopping, and waits for servers and the volume to be really gone, so that the
listings that follow find nothing with the prefix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from installer.testbed.smoke.cloud import again
from installer.testbed.smoke.steps import StepFailed

DELETE_TIMEOUT = 180
#: A volume in one of these states cannot be deleted yet.
VOLUME_BUSY = frozenset({"in-use", "detaching", "attaching", "creating", "deleting",
                         "reserved"})
#: The order of deletion after the servers, the floating IP and the volume.
LATER = ("router_interface", "router_gateway", "router", "subnet", "network",
         "security_group", "keypair", "flavor", "image")


@dataclass
class Ledger:
    """The resources one smoke run made: kind -> id (``server:<name>`` for servers)."""

    conn: Any
    prefix: str
    made: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def __setitem__(self, kind: str, ident: str) -> None:
        self.made[kind] = ident

    def __getitem__(self, kind: str) -> str:
        return self.made[kind]

    def __contains__(self, kind: str) -> bool:
        return kind in self.made

    def pop(self, kind: str) -> str | None:
        return self.made.pop(kind, None)

    def delete_server(self, server_id: str) -> None:
        compute = self.conn.compute
        again(compute.delete_server, server_id, ignore_missing=True, sleep=self.sleep)
        server = again(compute.find_server, server_id, ignore_missing=True, sleep=self.sleep)
        if server is not None:
            compute.wait_for_delete(server, interval=2, wait=DELETE_TIMEOUT)

    def delete_all(self) -> str:
        """Delete in reverse order; every error is collected, none stops the rest."""
        errors: list[str] = []
        m = self.made

        def attempt(what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
            try:
                again(call, *args, sleep=self.sleep, **kwargs)
            except Exception as exc:
                errors.append(f"{what}: {exc}")

        net, compute = self.conn.network, self.conn.compute
        for key in [k for k in m if k.startswith("server:")]:
            attempt(f"deleting server {m[key]}", self.delete_server, m[key])
        if "floating_ip" in m:
            attempt(f"deleting floating IP {m['floating_ip']}", net.delete_ip,
                    m["floating_ip"], ignore_missing=True)
        if "volume" in m:
            attempt(f"deleting volume {m['volume']}", self._delete_volume, m["volume"])
        calls: dict[str, Callable[[], Any]] = {
            "router_interface": lambda: net.remove_interface_from_router(
                m["router"], subnet=m["router_interface"]),
            "router_gateway": lambda: net.update_router(m["router"], external_gateway_info={}),
            "router": lambda: net.delete_router(m["router"], ignore_missing=True),
            "subnet": lambda: net.delete_subnet(m["subnet"], ignore_missing=True),
            "network": lambda: net.delete_network(m["network"], ignore_missing=True),
            "security_group": lambda: net.delete_security_group(m["security_group"],
                                                                ignore_missing=True),
            "keypair": lambda: compute.delete_keypair(m["keypair"], ignore_missing=True),
            "flavor": lambda: compute.delete_flavor(m["flavor"], ignore_missing=True),
            "image": lambda: self.conn.image.delete_image(m["image"], ignore_missing=True),
        }
        for kind in LATER:
            if kind in m:
                attempt(f"deleting {kind.replace('_', ' ')} {m[kind]}", calls[kind])
        if errors:
            raise StepFailed("; ".join(errors))
        return f"deleted {', '.join(m) or 'nothing'}"

    def _delete_volume(self, volume_id: str) -> None:
        storage = self.conn.block_storage
        deadline = self.clock() + DELETE_TIMEOUT
        while True:
            volume = again(storage.find_volume, volume_id, ignore_missing=True,
                           sleep=self.sleep)
            if volume is None:
                return
            if volume.status not in VOLUME_BUSY:
                break
            if self.clock() > deadline:
                raise StepFailed(f"volume {volume_id} is still {volume.status} after "
                                 f"{DELETE_TIMEOUT} s")
            self.sleep(3)
        storage.delete_volume(volume, ignore_missing=True)
        storage.wait_for_delete(volume, interval=2, wait=DELETE_TIMEOUT)

    def leftovers(self) -> str:
        """Nothing named (or described) with this run's prefix may remain, in any listing."""
        c, n = self.conn.compute, self.conn.network
        listings: dict[str, Callable[[], Any]] = {
            "server": lambda: c.servers(all_projects=True),
            "volume": lambda: self.conn.block_storage.volumes(all_projects=True),
            "router": n.routers,
            "subnet": n.subnets,
            "network": n.networks,
            "security group": n.security_groups,
            "key pair": c.keypairs,
            "floating ip": n.ips,
            "flavor": lambda: c.flavors(is_public=None),
            "image": self.conn.image.images,
        }
        left = []
        for kind, listing in listings.items():
            for item in again(lambda listing=listing: list(listing()), sleep=self.sleep):
                label = item.description if kind == "floating ip" else item.name
                if str(label or "").startswith(self.prefix):
                    left.append(f"{kind} {label} ({item.id})")
        if left:
            raise StepFailed("left behind: " + ", ".join(left))
        return f"no resource named {self.prefix}* remains"

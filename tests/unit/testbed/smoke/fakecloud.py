"""A stand-in for the one thing that cannot run here: a cloud behind openstacksdk.

:class:`FakeCloud` has the four proxies the smoke uses (``compute``, ``network``,
``block_storage``, ``image``) with openstacksdk's method names, keeps state (servers,
ports, the floating IP, the volume's attachments) and returns openstacksdk's own resource
objects; its waits raise openstacksdk's own ``ResourceFailure``/``ResourceTimeout``.
:class:`NetworkNode` is the network node's shell: ``ssh`` into a guest works only when
the cloud would let it (floating IP ACTIVE on the guest, the SSH rule present).
Knobs (attributes) make the failure paths: a server that goes ERROR, a floating IP the
L3 agent never applies, a volume stuck in ``creating``, an API that drops a delete.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from keystoneauth1.exceptions.connection import ConnectFailure
from openstack import exceptions
from openstack.block_storage.v3.volume import Volume
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.keypair import Keypair
from openstack.compute.v2.server import Server
from openstack.image.v2.image import Image
from openstack.network.v2.agent import Agent
from openstack.network.v2.floating_ip import FloatingIP
from openstack.network.v2.network import Network
from openstack.network.v2.port import Port
from openstack.network.v2.router import Router
from openstack.network.v2.security_group import SecurityGroup
from openstack.network.v2.security_group_rule import SecurityGroupRule
from openstack.network.v2.subnet import Subnet

DIGEST = "ab" * 32


def _id(thing: Any) -> str:
    return str(getattr(thing, "id", thing))


@dataclass
class FakeCloud:
    """The cloud's state; each proxy is this object itself (methods do not collide)."""

    server_status: str = "ACTIVE"
    fip_status: str = "ACTIVE"
    volume_status: str = "available"
    console_address: str | None = None  # None: the port's address
    announces: bool = True  # the built guest image prints its 'booted' line
    drop_first: str = ""  # a method whose first call loses the connection (after acting)
    fail_create_image: bool = False
    calls: list[str] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    attached: dict[str, str] = field(default_factory=dict)  # volume -> server
    ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.compute = self.network = self.block_storage = self.image = self
        public = Network(id="pub1", name="public", is_router_external=True)
        self.items = {k: {} for k in ("image", "flavor", "keypair", "server", "network",
                                      "subnet", "router", "port", "sg", "rule", "fip",
                                      "volume")}
        self.items["network"]["pub1"] = public

    # -- bookkeeping ----------------------------------------------------------------------

    def _new(self, kind: str, resource: Any) -> Any:
        resource.id = resource.id or f"{kind}{next(self.ids)}"
        self.items[kind][resource.id] = resource
        return resource

    def _get(self, kind: str, ident: Any) -> Any:
        try:
            return self.items[kind][_id(ident)]
        except KeyError:
            raise exceptions.NotFoundException(f"No {kind} found for {_id(ident)}") from None

    def _delete(self, kind: str, ident: Any, name: str) -> None:
        self.calls.append(f"{name} {_id(ident)}")
        self.items[kind].pop(_id(ident), None)
        if self.drop_first == name:
            self.drop_first = ""
            raise ConnectFailure("Connection aborted: connection reset by peer")

    def listing(self, kind: str) -> list[Any]:
        return list(self.items[kind].values())

    # -- image ----------------------------------------------------------------------------

    def create_image(self, name: str, **kwargs: Any) -> Image:
        self.calls.append(f"create_image {kwargs['disk_format']}")
        image = self._new("image", Image(name=name, status="queued"))
        if self.fail_create_image:
            raise exceptions.HttpException("Service Unavailable", http_status=503)
        image.status, image.size = "active", 4096
        return image

    def find_image(self, name: str, ignore_missing: bool = True) -> Image | None:
        return next((i for i in self.listing("image") if i.name == name), None)

    def delete_image(self, image: Any, ignore_missing: bool = True) -> None:
        self._delete("image", image, "delete_image")

    def images(self) -> list[Image]:
        return self.listing("image")

    def wait_for_status(self, res: Any, status: str, failures: list[str] | None = None,
                        interval: float = 2, wait: int = 0) -> Any:
        kind = "image" if isinstance(res, Image) else "volume"
        now = self._get(kind, res)
        if now.status in (failures or []):
            raise exceptions.ResourceFailure(f"{kind} {now.id} transitioned to failure "
                                             f"state {now.status}")
        if now.status != status:
            raise exceptions.ResourceTimeout(f"Timeout waiting for {now.id} to {status}")
        return now

    # -- compute --------------------------------------------------------------------------

    def create_flavor(self, **attrs: Any) -> Flavor:
        return self._new("flavor", Flavor(**attrs))

    def delete_flavor(self, flavor: Any, ignore_missing: bool = True) -> None:
        self._delete("flavor", flavor, "delete_flavor")

    def flavors(self, is_public: Any = True) -> list[Flavor]:
        return self.listing("flavor")

    def create_keypair(self, name: str, public_key: str) -> Keypair:
        key = Keypair(name=name, public_key=public_key)
        self.items["keypair"][name] = key
        return key

    def delete_keypair(self, key: Any, ignore_missing: bool = True) -> None:
        self._delete("keypair", key, "delete_keypair")

    def keypairs(self) -> list[Keypair]:
        return self.listing("keypair")

    def create_server(self, **attrs: Any) -> Server:
        self.calls.append(f"create_server {attrs['name']} config_drive={attrs['config_drive']}")
        server = self._new("server", Server(
            name=attrs["name"], status=self.server_status,
            compute_host=attrs["availability_zone"].split(":")[1],
            has_config_drive=attrs["config_drive"],
            instance_name=f"instance-{len(self.items.get('server', {})) + 1:08x}",
            fault={"message": "No valid host was found."} if self.server_status == "ERROR"
            else None))
        number = len(self.items["server"]) + 4
        self._new("port", Port(device_id=server.id, status="ACTIVE",
                               binding_vif_type="bridge",
                               fixed_ips=[{"ip_address": f"172.31.254.{number}"}]))
        return server

    def wait_for_server(self, server: Server, status: str = "ACTIVE",
                        failures: list[str] | None = None, interval: float = 2,
                        wait: int = 120) -> Server:
        now = self._get("server", server)
        if now.status in (failures or []):
            raise exceptions.ResourceFailure(f"server {now.id} went to {now.status}")
        if now.status != status:
            raise exceptions.ResourceTimeout(f"Timeout waiting for server {now.id}")
        return now

    def get_server(self, server: Any) -> Server:
        return self._get("server", server)

    def find_server(self, server: Any, ignore_missing: bool = True) -> Server | None:
        return self.items["server"].get(_id(server))

    def delete_server(self, server: Any, ignore_missing: bool = True) -> None:
        for port in [p for p in self.listing("port") if p.device_id == _id(server)]:
            self.items["port"].pop(port.id)
            for fip in self.listing("fip"):
                if fip.port_id == port.id:
                    fip.port_id = fip.fixed_ip_address = None
                    fip.status = "DOWN"
        for volume, on in list(self.attached.items()):  # nova detaches what it had
            if on == _id(server):
                self.delete_volume_attachment(server, volume)
        self._delete("server", server, "delete_server")

    def wait_for_delete(self, res: Any, interval: float = 2, wait: int = 120) -> Any:
        return res

    def servers(self, all_projects: bool = False) -> list[Server]:
        return self.listing("server")

    def address_of(self, server_id: str) -> str:
        port = next(p for p in self.listing("port") if p.device_id == server_id)
        return str(port.fixed_ips[0]["ip_address"])

    def get_server_console_output(self, server: Any, length: int | None = None
                                  ) -> dict[str, str]:
        now = self._get("server", server)
        if not self.announces:
            return {"output": "login: "}
        address = self.console_address or self.address_of(now.id)
        source = "config-drive" if now.has_config_drive else "metadata-service"
        return {"output": f"x\nstackinstall-guest booted: hostname={now.name} "
                          f"address={address} metadata={source}\n"}

    def create_volume_attachment(self, server: Any, volume: Any = None) -> None:
        self.calls.append(f"attach {_id(volume)} to {_id(server)}")
        self.attached[_id(volume)] = _id(server)
        self._get("volume", volume).status = "in-use"

    def delete_volume_attachment(self, server: Any, volume: Any,
                                 ignore_missing: bool = True) -> None:
        self.calls.append(f"detach {_id(volume)} from {_id(server)}")
        self.attached.pop(_id(volume), None)
        self._get("volume", volume).status = "available"

    # -- network --------------------------------------------------------------------------

    def find_network(self, name: str, ignore_missing: bool = True) -> Network | None:
        return next((n for n in self.listing("network") if n.name == name), None)

    def create_network(self, name: str) -> Network:
        return self._new("network", Network(name=name, provider_network_type="vxlan"))

    def delete_network(self, net: Any, ignore_missing: bool = True) -> None:
        self._delete("network", net, "delete_network")

    def networks(self) -> list[Network]:
        return self.listing("network")

    def create_subnet(self, **attrs: Any) -> Subnet:
        return self._new("subnet", Subnet(**attrs))

    def delete_subnet(self, subnet: Any, ignore_missing: bool = True) -> None:
        self._delete("subnet", subnet, "delete_subnet")

    def subnets(self) -> list[Subnet]:
        return self.listing("subnet")

    def create_router(self, name: str) -> Router:
        return self._new("router", Router(name=name))

    def update_router(self, router: Any, **attrs: Any) -> Router:
        self.calls.append(f"update_router {_id(router)} {attrs}")
        return self._get("router", router)

    def add_interface_to_router(self, router: Any, subnet: Any = None) -> None:
        self._new("port", Port(device_id=_id(router), status="ACTIVE"))

    def remove_interface_from_router(self, router: Any, subnet: Any = None) -> None:
        self.calls.append(f"remove_interface_from_router {_id(router)} {subnet}")

    def routers_hosting_l3_agents(self, router: Any) -> list[Agent]:
        return [Agent(host="openstack2", agent_type="L3 agent")]

    def delete_router(self, router: Any, ignore_missing: bool = True) -> None:
        self._delete("router", router, "delete_router")

    def routers(self) -> list[Router]:
        return self.listing("router")

    def ports(self, device_id: str) -> list[Port]:
        return [p for p in self.listing("port") if p.device_id == device_id]

    def agents(self, host: str) -> list[Agent]:
        return [Agent(host=host, agent_type="Linux bridge agent", is_alive=True,
                      is_admin_state_up=True)]

    def create_security_group(self, name: str) -> SecurityGroup:
        return self._new("sg", SecurityGroup(name=name))

    def delete_security_group(self, group: Any, ignore_missing: bool = True) -> None:
        self._delete("sg", group, "delete_security_group")

    def security_groups(self) -> list[SecurityGroup]:
        return self.listing("sg")

    def create_security_group_rule(self, **attrs: Any) -> SecurityGroupRule:
        return self._new("rule", SecurityGroupRule(**attrs))

    def security_group_rules(self, **query: Any) -> list[SecurityGroupRule]:
        return [r for r in self.listing("rule")
                if all(getattr(r, k) == v for k, v in query.items())]

    def delete_security_group_rule(self, rule: Any, ignore_missing: bool = True) -> None:
        self._delete("rule", rule, "delete_security_group_rule")

    def create_ip(self, **attrs: Any) -> FloatingIP:
        return self._new("fip", FloatingIP(floating_ip_address="10.243.0.200", status="DOWN",
                                           **attrs))

    def update_ip(self, fip: Any, port_id: str) -> FloatingIP:
        ip = self._get("fip", fip)
        port = self._get("port", port_id)
        ip.port_id, ip.fixed_ip_address = port_id, port.fixed_ips[0]["ip_address"]
        ip.status = self.fip_status
        return ip

    def get_ip(self, fip: Any) -> FloatingIP:
        return self._get("fip", fip)

    def delete_ip(self, fip: Any, ignore_missing: bool = True) -> None:
        self._delete("fip", fip, "delete_ip")

    def ips(self) -> list[FloatingIP]:
        return self.listing("fip")

    # -- block storage --------------------------------------------------------------------

    def create_volume(self, name: str, size: int) -> Volume:
        return self._new("volume", Volume(name=name, size=size, status=self.volume_status,
                                          host="openstack4@ceph#ceph"))

    def get_volume(self, volume: Any) -> Volume:
        return self._get("volume", volume)

    def find_volume(self, volume: Any, ignore_missing: bool = True) -> Volume | None:
        return self.items["volume"].get(_id(volume))

    def delete_volume(self, volume: Any, ignore_missing: bool = True) -> None:
        self._delete("volume", volume, "delete_volume")

    def volumes(self, all_projects: bool = False) -> list[Volume]:
        return self.listing("volume")

    # -- what a guest reached over SSH would see --------------------------------------------

    def reachable(self, address: str) -> str | None:
        """The server behind floating ``address`` when SSH to it would get through."""
        fip = next((f for f in self.listing("fip") if f.floating_ip_address == address), None)
        if fip is None or fip.status != "ACTIVE" or fip.port_id is None:
            return None
        if not any(r.port_range_min == 22 for r in self.listing("rule")):
            return None
        return str(self._get("port", fip.port_id).device_id)


@dataclass
class NetworkNode:
    """The network node's shell (a testinfra host double) in front of the fake cloud."""

    cloud: FakeCloud
    br_netfilter: bool = True
    domain_type: str = "kvm"  # what libvirt says a guest runs under ("" : virsh fails)
    commands: list[str] = field(default_factory=list)

    def run(self, command: str) -> SimpleNamespace:
        self.commands.append(command)
        if "ssh-keygen" in command:
            return self._out("ssh-ed25519 AAAAC3Nza stackinstall-smoke\n")
        if "bridge-nf-call-iptables" in command:
            return self._out("1\n") if self.br_netfilter else self._err(1, "No such file")
        if "virsh" in command:
            if not self.domain_type:
                return self._err(1, "error: failed to get domain")
            name = re.search(r"dumpxml (\S+)", command)
            return self._out(f"<domain type='{self.domain_type}' id='1'>\n"
                             f"  <name>{name[1] if name else ''}</name>\n")
        if "uname -r" in command:
            return self._out("6.18.44-test\n")
        if "ip netns exec" in command and " ssh " in command:
            return self._ssh(command)
        if "ip netns exec" in command:
            return self._out("fip=missing dnat=0")
        return self._out("")

    def _ssh(self, command: str) -> SimpleNamespace:
        address = re.search(r"@(\d+\.\d+\.\d+\.\d+)", command)
        server_id = self.cloud.reachable(address[1]) if address else None
        if server_id is None:
            return self._err(254, "ssh: connect to host port 22: Connection timed out")
        server = self.cloud.get_server(server_id)
        if "metadata-source" in command:
            return self._out(f"{server.name}\nmetadata-service\n1\n")
        if "hostname; wc -l" in command:
            return self._out(f"{server.name}.novalocal\n1\n")
        if "findfs" in command:
            return self._out("/dev/sr0\n" if server.has_config_drive else "")
        if "/dev/vdb" in command and not any(s == server_id for s in
                                             self.cloud.attached.values()):
            return self._out("")
        if "of=/dev/vdb" in command or "if=/dev/vdb" in command:
            return self._out(f"{DIGEST}  -\n")
        return self._out("")

    @staticmethod
    def _out(text: str) -> SimpleNamespace:
        return SimpleNamespace(rc=0, stdout=text, stderr="")

    @staticmethod
    def _err(rc: int, text: str) -> SimpleNamespace:
        return SimpleNamespace(rc=rc, stdout="", stderr=text)

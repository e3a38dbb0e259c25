"""The backup and restore scenario of the e2e tests, on a deployed lab's cloud.

1. An estate is made: a project, a user with a role in it, an image, two networks on one
   router (its gateway on the external network), a flavor, a volume and a server.
2. ``stackinstall backup`` runs; with ``busy`` the smoke (``verify --smoke``) runs at the same
   moment and must pass too.
3. The cloud changes: the image record and the second network are deleted, a user is added,
   and keystone's fernet keys rotate until a token taken before the backup is refused (its
   key purged; memcached restarted after each rotation so no cached validation hides it).
4. ``restore`` refuses a missing confirmation and an altered backup, changing nothing, then
   restores with ``--confirm``.
5. Every resource of the estate is listed again as it was, the added user is gone, and the
   token taken before the backup validates again.

What the estate made is deleted at the end, also after a failure (the image's data went with
its record before the restore, so only the record comes back).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploycli import deploy_dir, on, stackinstall, start

from installer.testbed.image.build import build_image
from installer.testbed.smoke.cloud import connect
from installer.testbed.smoke.run import EXTERNAL_NETWORK, GUEST_RAM_MIB

#: Seconds the cloud's APIs get to answer again after the restore restarted them.
SETTLE = 180.0
SERVER_WAIT = 300
CIDRS = ("172.31.250.0/24", "172.31.251.0/24")
#: Fernet rotations tried before a token issued earlier must be refused.
MAX_ROTATIONS = 10


@dataclass
class Estate:
    """The ids of what the scenario made, in the order they are deleted."""

    prefix: str
    made: dict[str, str] = field(default_factory=dict)


def _token_valid(conn: Any, token: str) -> bool:
    response = conn.identity.get("/auth/tokens", headers={"X-Subject-Token": token},
                                 raise_exc=False)
    return response.status_code == 200


def make_estate(conn: Any, prefix: str) -> Estate:
    """One of each resource the issue names; the server ACTIVE, the volume available."""
    estate = Estate(prefix)
    m = estate.made
    identity, net, compute = conn.identity, conn.network, conn.compute
    project = identity.create_project(name=f"{prefix}-project", domain_id="default")
    m["project"] = project.id
    user = identity.create_user(name=f"{prefix}-user", password=f"{prefix}-Pw1",
                                default_project_id=project.id, domain_id="default")
    m["user"] = user.id
    conn.grant_role("member", user=user.id, project=project.id)
    guest = build_image()
    image = conn.image.create_image(f"{prefix}-image", filename=str(guest.path),
                                    disk_format="raw", container_format="bare", wait=True,
                                    timeout=600)
    m["image"] = image.id
    conn.image.wait_for_status(image, "active", failures=["killed"], interval=2, wait=600)
    external = net.find_network(EXTERNAL_NETWORK, ignore_missing=False)
    router = net.create_router(name=f"{prefix}-router",
                               external_gateway_info={"network_id": external.id})
    m["router"] = router.id
    for index, cidr in enumerate(CIDRS, start=1):
        network = net.create_network(name=f"{prefix}-net{index}")
        m[f"net{index}"] = network.id
        subnet = net.create_subnet(network_id=network.id, ip_version=4, cidr=cidr,
                                   name=f"{prefix}-subnet{index}")
        m[f"subnet{index}"] = subnet.id
        net.add_interface_to_router(router, subnet=subnet.id)
    flavor = compute.create_flavor(name=f"{prefix}-flavor", vcpus=1, ram=GUEST_RAM_MIB, disk=1)
    m["flavor"] = flavor.id
    volume = conn.block_storage.create_volume(name=f"{prefix}-volume", size=1)
    m["volume"] = volume.id
    conn.block_storage.wait_for_status(volume, "available", failures=["error"], interval=2,
                                       wait=180)
    server = compute.create_server(name=f"{prefix}-server", image_id=image.id,
                                   flavor_id=flavor.id, networks=[{"uuid": m["net1"]}])
    m["server"] = server.id
    compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"], interval=3,
                            wait=SERVER_WAIT)
    return estate


def describe(conn: Any, estate: Estate) -> dict[str, Any]:
    """What a listing shows of each resource: the fields a restore must bring back."""
    m = estate.made
    identity, net = conn.identity, conn.network
    project = identity.get_project(m["project"])
    user = identity.get_user(m["user"])
    image = conn.image.get_image(m["image"])
    router = net.get_router(m["router"])
    interfaces = sorted(ip["subnet_id"] for port in net.ports(device_id=router.id,
                                                              device_owner="network:router_interface")
                        for ip in port.fixed_ips)
    flavor = conn.compute.get_flavor(m["flavor"])
    volume = conn.block_storage.get_volume(m["volume"])
    server = conn.compute.get_server(m["server"])
    networks = {key: (net.get_network(m[key]).name, net.get_subnet(m[f"subnet{key[-1]}"]).cidr)
                for key in ("net1", "net2")}
    return {
        "project": (project.name, project.is_enabled),
        "user": (user.name, user.default_project_id),
        "image": (image.name, image.status, image.size, image.checksum),
        "router": (router.name, (router.external_gateway_info or {}).get("network_id"),
                   interfaces),
        "networks": networks,
        "flavor": (flavor.name, flavor.vcpus, flavor.ram, flavor.disk),
        "volume": (volume.name, volume.size, volume.status),
        "server": (server.name, server.status, server.image.id,
                   sorted((server.addresses or {}).keys())),
    }


def change(conn: Any, estate: Estate) -> str:
    """The changes the restore must undo; returns the added user's name."""
    m = estate.made
    conn.image.delete_image(m["image"])
    router = conn.network.get_router(m["router"])
    conn.network.remove_interface_from_router(router, subnet=m["subnet2"])
    conn.network.delete_network(m["net2"])
    added = conn.identity.create_user(name=f"{estate.prefix}-added", domain_id="default")
    return str(added.name)


def cleanup(conn: Any, estate: Estate) -> list[str]:
    """Delete what the estate made, each best effort; returns what could not be deleted."""
    m = estate.made
    net, compute = conn.network, conn.compute
    left: list[str] = []

    def attempt(what: str, call: Callable[[], Any]) -> None:
        try:
            call()
        except Exception as exc:  # best effort: reported to the caller
            left.append(f"{what}: {exc}")

    if "server" in m and (server := compute.find_server(m["server"])) is not None:
        attempt("server", lambda: compute.delete_server(server))
        attempt("server gone", lambda: compute.wait_for_delete(server, wait=180))
    if "volume" in m:
        attempt("volume", lambda: conn.block_storage.delete_volume(m["volume"],
                                                                   ignore_missing=True))
    for index in (1, 2):
        if f"subnet{index}" in m and "router" in m:
            attempt(f"interface {index}", lambda i=index: net.remove_interface_from_router(
                m["router"], subnet=m[f"subnet{i}"]))
        if f"net{index}" in m:
            attempt(f"net{index}", lambda i=index: net.delete_network(m[f"net{i}"],
                                                                     ignore_missing=True))
    if "router" in m:
        attempt("router", lambda: net.delete_router(m["router"], ignore_missing=True))
    for what, call in (("flavor", compute.delete_flavor), ("image", conn.image.delete_image),
                       ("user", conn.identity.delete_user),
                       ("project", conn.identity.delete_project)):
        if what in m:
            attempt(what, lambda c=call, w=what: c(m[w], ignore_missing=True))
    return left


def _settled(clouds: Path, name: str, estate: Estate) -> tuple[Any, dict[str, Any]]:
    """A fresh connection and the estate's description once every API answers again."""
    deadline = time.monotonic() + SETTLE
    while True:
        try:
            conn = connect(clouds, name)
            return conn, describe(conn, estate)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(5)


def backup_and_restore(lab: str, answers: Path, *, busy: bool) -> dict[str, float]:
    """The whole scenario; returns its figures (seconds, MB). Asserts every promise."""
    name = deploy_dir(answers).name
    clouds = deploy_dir(answers) / "clouds.yaml"
    conn = connect(clouds, name)
    estate = Estate(f"bk{time.strftime('%H%M%S')}")
    figures: dict[str, float] = {}
    try:
        started = time.monotonic()
        estate = make_estate(conn, estate.prefix)
        figures["estate_s"] = time.monotonic() - started
        before = describe(conn, estate)
        token = conn.auth_token

        smoke = start("verify", str(answers), "--smoke", "--json") if busy else None
        if smoke is not None:
            time.sleep(20)  # the smoke has made its network and is booting its guest
        started = time.monotonic()
        made = stackinstall("backup", str(answers), "--json", timeout=1800)
        figures["backup_s"] = time.monotonic() - started
        assert made.returncode == 0, made.stderr[-4000:]
        if smoke is not None:
            out, err = smoke.communicate(timeout=1800)
            assert smoke.returncode == 0, (out[-4000:], err[-4000:])
            assert json.loads(out)["status"] == "passed"
        manifest = json.loads(made.stdout)
        directory = Path(manifest["directory"])
        figures["backup_mb"] = manifest["size"] / 1e6
        assert {"keystone", "nova", "neutron", "glance", "cinder"} <= set(manifest["databases"])

        added = change(conn, estate)
        assert conn.identity.find_user(added) is not None
        controller = manifest["nodes"][0]
        # rotate until the token's key is purged (keystone keeps max_active_keys keys); after
        # each rotation memcached restarts, so keystone has no cached validation to answer from
        for count in range(1, MAX_ROTATIONS + 1):
            on(lab, controller, "keystone-manage fernet_rotate --keystone-user keystone "
                                "--keystone-group keystone && systemctl restart memcached")
            figures["rotations"] = count
            if not _token_valid(connect(clouds, name), token):
                break
        else:
            raise AssertionError(f"the token still validates after {MAX_ROTATIONS} rotations")

        refused = stackinstall("restore", str(answers), directory.name, timeout=600)
        assert refused.returncode == 2 and "--confirm" in refused.stderr, refused.stderr
        altered = directory.parent / f"{directory.name}-altered"
        shutil.copytree(directory, altered)
        try:
            (altered / "secrets.yml").write_text("tampered\n")
            refused = stackinstall("restore", str(answers), altered.name, "--confirm", name)
            assert refused.returncode == 10 and "checksum differs" in refused.stderr, \
                refused.stderr
        finally:
            shutil.rmtree(altered)

        started = time.monotonic()
        restored = stackinstall("restore", str(answers), directory.name, "--confirm", name)
        figures["restore_s"] = time.monotonic() - started
        assert restored.returncode == 0, restored.stdout[-4000:] + restored.stderr[-4000:]
        conn, after = _settled(clouds, name, estate)
        assert after == before, {k: (before[k], after[k]) for k in before
                                 if before[k] != after[k]}
        assert conn.identity.find_user(added) is None
        assert _token_valid(conn, token)
    finally:
        left = cleanup(connect(clouds, name), estate)
    assert not left, left
    print("backup and restore (s, MB):", {k: round(v, 1) for k, v in figures.items()})
    return figures

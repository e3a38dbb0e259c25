"""The smoke as verify calls it: plan the nodes, connect, run, close."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from installer import catalogue
from installer.catalogue import Firewall
from installer.testbed.smoke.cloud import connect
from installer.testbed.smoke.image import GuestImage, built_image
from installer.testbed.smoke.plan import plan, storage_probe
from installer.testbed.smoke.run import LINUXBRIDGE_FIREWALL, SmokeRun
from installer.testbed.smoke.steps import StepFailed
from installer.verify.inventory import Inventory
from installer.verify.result import FAIL, CheckResult, Progress


def l2_firewall(inventory: Inventory) -> Firewall:
    """How the L2 agent of the deployment's network.mechanism_driver enforces security
    groups, as the catalogue of its release says."""
    release = str(inventory.variables.get("openstack_release", catalogue.default_release()))
    selected = {"neutron_mechanism_driver": inventory.variables.get("neutron_mechanism_driver",
                                                                   "linuxbridge")}
    agents = [c.firewall for c in catalogue.load(release).in_group("neutron_l2_agent", selected)
              if c.firewall is not None]
    return agents[0] if agents else LINUXBRIDGE_FIREWALL


def smoke(
    inventory: Inventory,
    hosts: dict[str, Any],
    clouds_yaml: Path,
    image: GuestImage | None,
    guest_image: Callable[[], Path],
    progress: Progress,
) -> list[CheckResult]:
    """Run the workload smoke against the deployment of ``inventory``: its API calls with the
    admin cloud of ``clouds_yaml``, its shell work on the testinfra ``hosts`` (by node name);
    ``image`` is an operator's image, else the built one (``guest_image`` builds it)."""
    try:
        controller, computes, storage = plan(inventory)
    except ValueError as exc:
        return [CheckResult("smoke", "-", FAIL, str(exc))]
    cloud = str(inventory.variables.get("deployment_name", "stackinstall"))
    try:
        conn = connect(clouds_yaml, cloud)
    except StepFailed as exc:
        return [CheckResult("smoke", controller, FAIL, str(exc))]
    backend = str(inventory.variables.get("cinder_backend", "loop"))
    run = SmokeRun(
        conn=conn,
        controller=controller,
        compute_hosts=computes,
        storage_hosts=storage,
        image=(lambda: image) if image is not None else built_image(guest_image),
        storage_probe=storage_probe(hosts.__getitem__, backend),
        node_host=hosts.__getitem__,
        firewall=l2_firewall(inventory),
        progress=progress,
    )
    try:
        return run.run()
    finally:
        conn.close()

"""The smoke as verify calls it: plan the nodes, connect, run, close."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from installer.testbed.smoke.cloud import connect
from installer.testbed.smoke.image import GuestImage, built_image
from installer.testbed.smoke.plan import plan, storage_probe
from installer.testbed.smoke.run import SmokeRun
from installer.testbed.smoke.steps import StepFailed
from installer.verify.inventory import Inventory
from installer.verify.result import FAIL, CheckResult, Progress


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
        mechanism_driver=str(inventory.variables.get("neutron_mechanism_driver",
                                                     "linuxbridge")),
        progress=progress,
    )
    try:
        return run.run()
    finally:
        conn.close()

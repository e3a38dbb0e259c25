"""``verify()``: plan the checks for each node from the rendered inventory, run, report.

Beyond the per-node checks, ``smoke=True`` adds the functional smoke
(``installer/testbed/smoke``, booting ``smoke_image`` when given),
``browser=True`` a headless-Chromium login to the dashboard (``browser.py``) and ``tempest``
(a :class:`Selection`) a tempest run on the controller (``tempest.py``); each reports as
further results, and keeps its artifacts in ``<deployment>/verify/<UTC time>/``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from installer import catalogue, console
from installer.errors import StackInstallError
from installer.extras import testbed
from installer.masking import Masker, load_secret_values
from installer.paths import DeployPaths
from installer.verify.connect import control_dir, copy_from, copy_to, make_host
from installer.verify.inventory import Inventory, NodeInfo, read_inventory
from installer.verify.nodes import run_node_checks
from installer.verify.report import extend_junit
from installer.verify.result import FAIL, PASS, CheckResult, Progress, unheard

if TYPE_CHECKING:
    from installer.testbed.smoke.image import GuestImage
    from installer.testbed.tempest.run import Selection
    from installer.testbed.tempest.skips import SkipEntry


@dataclass(frozen=True)
class VerifyOutcome:
    results: list[CheckResult]
    nodes: list[str]
    artifacts: Path | None = None

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]


def _host_for(node: NodeInfo, socket: Path) -> object:
    return make_host(node.connection, socket)


def artifacts_dir(deploy_dir: Path) -> Path:
    path = DeployPaths(deploy_dir).verify / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path.mkdir(parents=True, exist_ok=True)
    return path


def _smoke(inventory: Inventory, sockets: Path, deploy_dir: Path, image: GuestImage | None,
           progress: Progress) -> list[CheckResult]:
    hosts = {n.name: _host_for(n, sockets / n.name) for n in inventory.nodes}
    return testbed("smoke.entry").smoke(inventory, hosts, DeployPaths(deploy_dir).clouds_yaml,
                                        image, _guest_image, progress)


def _tempest(inventory: Inventory, sockets: Path, artifacts: Path, selection: Selection,
             skip_list: list[SkipEntry], mask: Masker) -> list[CheckResult]:
    nodes = inventory.group("keystone")
    if not nodes:
        return [CheckResult(f"tempest ({selection.label})", "-", FAIL,
                            "no keystone node in the inventory")]
    controller = nodes[0]
    horizon = inventory.group("horizon")
    run = testbed("tempest.run").TempestRun(
        host=_host_for(controller, sockets / controller.name),
        cloud=str(inventory.variables.get("deployment_name", "stackinstall")),
        controller=controller.name,
        artifacts=artifacts,
        upload=lambda local, remote: copy_to(controller.connection, local, remote),
        download=lambda remote, local: copy_from(controller.connection, remote, local),
        guest_image=_guest_image,
        selection=selection,
        skip_list=skip_list,
        cinder_backend=str(inventory.variables.get("cinder_backend", "loop")),
        dashboard_url=dashboard_url(inventory) if horizon else None,
        ca_file=_node_ca_file(inventory),
        mask=mask,
        notify=lambda message: console.err.print(message, markup=False, highlight=False,
                                                 soft_wrap=True),
    )
    return run.run()


def _guest_image() -> Path:
    """The smoke's guest image, built from distro packages on first use, then cached."""
    return testbed("image.build").build_image().path


def dashboard_url(inventory: Inventory) -> str | None:
    """The dashboard's root as a browser reaches it: https at the public host behind the TLS
    front door, else http at the first horizon node (Debian's web root)."""
    nodes = inventory.group("horizon")
    if not nodes:
        return None
    if inventory.variables.get("deployment_tls"):
        return f"https://{inventory.variables.get('deployment_public_host')}/horizon/"
    return f"http://{nodes[0].address}/horizon/"


def _node_ca_file(inventory: Inventory) -> str | None:
    """The deployment's CA on the nodes (roles/tls), or None without TLS."""
    if not inventory.variables.get("deployment_tls"):
        return None
    release = str(inventory.variables.get("openstack_release", catalogue.default_release()))
    return catalogue.load(release).front_door.ca_file


def _browser(inventory: Inventory, secrets: dict[str, str], out: Path,
             server_cert: Path | None = None) -> CheckResult:
    horizon_login = testbed("browser").horizon_login
    nodes = inventory.group("horizon")
    if not nodes:
        return CheckResult("horizon browser login", "-", FAIL, "no horizon node in the inventory")
    node = nodes[0]
    url = dashboard_url(inventory) or ""
    password = secrets.get("keystone_admin_password", "")
    where = "roles/horizon; /var/log/apache2 on the horizon node"
    if not password:
        return CheckResult("horizon browser login", node.name, FAIL,
                           "keystone_admin_password is not in the rendered secrets file", where)
    try:
        result = horizon_login(url, "admin", password, out, trusted=server_cert)
    except StackInstallError as exc:  # no browser on this machine: one failed check
        hint = f" ({exc.hint})" if getattr(exc, "hint", None) else ""
        return CheckResult("horizon browser login", node.name, FAIL, f"{exc}{hint}", where)
    shots = ", ".join(str(p) for p in result.screenshots)
    return CheckResult(
        "horizon browser login", node.name, PASS if result.ok else FAIL,
        f"{result.message}" + (f"; screenshots: {shots}" if shots else ""),
        where=where,
        duration_s=result.seconds,
    )


def verify_deploy_dir(
    deploy_dir: Path,
    limit: set[str] | None = None,
    *,
    smoke: bool = False,
    browser: bool = False,
    tempest: Selection | None = None,
    junit: Path | None = None,
    progress: Progress = unheard,
    smoke_image: GuestImage | None = None,
) -> VerifyOutcome:
    """Run every applicable check against the nodes of a rendered deployment directory.

    The node checks run under pytest (``nodes.py``); the smoke, browser and tempest results
    follow them in the same report (and in ``junit``, after pytest's own testcases).
    ``progress`` hears of every result, masked, as soon as it is decided.
    """
    inventory: Inventory = read_inventory(deploy_dir)
    release = inventory.variables.get("openstack_release")
    skip_list = (testbed("tempest.skips").load_skip_list(release=release)
                 if tempest is not None else [])
    secrets = load_secret_values(deploy_dir)
    mask = Masker(secrets.values())
    nodes = sorted(n.name for n in inventory.nodes if limit is None or n.name in limit)
    wanted = smoke or browser or tempest is not None
    artifacts = artifacts_dir(deploy_dir) if wanted else None
    extra: list[CheckResult] = []

    def add(found: list[CheckResult], heard: bool = False) -> None:
        masked = [_mask(r, mask) for r in found]
        extra.extend(masked)
        for result in masked if not heard else ():
            progress(result)

    with control_dir() as sockets:
        results = run_node_checks(deploy_dir, nodes, sockets, junit, progress=progress)
        if browser and artifacts is not None:
            tls = bool(inventory.variables.get("deployment_tls"))
            add([_browser(inventory, secrets, artifacts,
                          DeployPaths(deploy_dir).server_cert if tls else None)])
        if smoke:
            add(_smoke(inventory, sockets, deploy_dir, smoke_image,
                       lambda r: progress(_mask(r, mask))), heard=True)
        if tempest is not None and artifacts is not None:
            add(_tempest(inventory, sockets, artifacts, tempest, skip_list, mask))
    if junit is not None:
        extend_junit(junit, extra)
    return VerifyOutcome(results + extra, nodes, artifacts)


def _mask(result: CheckResult, mask: Masker) -> CheckResult:
    return CheckResult(result.check, result.node, result.status, mask(result.message),
                       result.where, result.duration_s)

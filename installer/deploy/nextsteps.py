"""What the operator does after a deploy: the dashboard, the credentials, one command to try.

Never a password: the dashboard line names the secrets file key that holds it.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from installer.answers.model import Deployment
from installer.paths import DeployPaths
from installer.render.groups import inventory_groups

#: The dashboard's web root per distro family, as roles/horizon/vars/<family>.yml set it.
HORIZON_WEBROOTS: dict[str, str] = {"debian": "/horizon/", "ubuntu": "/horizon/",
                                    "redhat": "/dashboard/"}
ADMIN_PASSWORD_KEY = "keystone_admin_password"


@dataclass(frozen=True)
class NextSteps:
    dashboard: str | None  # URL, or None when horizon is not deployed
    credentials: tuple[Path, ...]  # in the deployment directory
    missing: tuple[Path, ...]  # credential files the post phase has not written yet
    command: str  # run in the deployment directory (or on the controller as root)
    controller: str
    secrets_file: Path
    #: the CA clients need (DEPLOY_DIR/tls/ca.crt), or None: tls.mode off, plain HTTP
    ca_file: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"dashboard": self.dashboard,
                "credentials": [str(p) for p in self.credentials],
                "missing": [str(p) for p in self.missing],
                "command": self.command, "controller": self.controller,
                "ca_file": str(self.ca_file) if self.ca_file else None,
                "admin_password": f"{ADMIN_PASSWORD_KEY} in {self.secrets_file}"}


def cached_facts(deploy_dir: Path, node: str) -> dict[str, Any]:
    """A node's facts from the jsonfile cache: ``facts/<node>``, or as ansible-core 2.19
    writes it, ``facts/s1_<node>`` holding ``{"__payload__": "<the facts as JSON>"}``."""
    cache = DeployPaths(deploy_dir).facts
    for path in [cache / node, *sorted(cache.glob(f"s*_{node}"))]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("__payload__"), str):
                data = json.loads(data["__payload__"])
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return data
    return {}


def node_family(deploy_dir: Path, node: str, distro: str) -> str:
    """The node's family from the deploy's fact cache, else the answer file's distro."""
    facts = cached_facts(deploy_dir, node)
    if facts:
        dist = facts.get("ansible_distribution", facts.get("distribution"))
        family = facts.get("ansible_os_family", facts.get("os_family"))
        if dist == "Ubuntu":
            return "ubuntu"
        if isinstance(family, str) and family.lower() in HORIZON_WEBROOTS:
            return family.lower()
    return distro if distro in HORIZON_WEBROOTS else "debian"


def next_steps(dep: Deployment, deploy_dir: Path) -> NextSteps:
    horizon = inventory_groups(dep).get("horizon", [])
    dashboard = None
    if horizon:
        node = next(n for n in dep.nodes if n.name == horizon[0])
        root = HORIZON_WEBROOTS[node_family(deploy_dir, node.name, dep.distro)]
        dashboard = (f"https://{dep.public_host}{root}" if dep.tls.enabled
                     else f"http://{node.address}{root}")
    paths = DeployPaths(deploy_dir)
    files = paths.credentials
    return NextSteps(
        dashboard=dashboard,
        credentials=files,
        missing=tuple(p for p in files if not p.is_file()),
        command=f"openstack --os-cloud {shlex.quote(dep.name)} server list",
        controller=dep.controller.name,
        secrets_file=dep.secrets_path,
        ca_file=paths.ca_cert if dep.tls.enabled else None,
    )


def print_next_steps(console: Console, steps: NextSteps) -> None:
    console.print("[key]next steps[/key]")
    if steps.dashboard:
        console.print(f"  dashboard:   {escape(steps.dashboard)}  (user admin, password: "
                      f"{ADMIN_PASSWORD_KEY} in [path]{escape(str(steps.secrets_file))}[/path])")
    if steps.ca_file:
        console.print(f"  CA:          [path]{escape(str(steps.ca_file))}[/path] (every endpoint "
                      "speaks HTTPS; admin-openrc and clouds.yaml name this CA)")
    else:
        console.print("  [failed]TLS is OFF (tls.mode: off): every API and the dashboard speak "
                      "plain HTTP; passwords and tokens cross the network in the clear[/failed]")
    creds = ", ".join(str(p) for p in steps.credentials)
    console.print(f"  credentials: [path]{escape(creds)}[/path] (mode 0600)")
    if steps.missing:
        console.print("               [changed]not written yet[/changed]: the post phase "
                      "writes them (`stackinstall deploy ... --phase post`)")
    where = shlex.quote(str(steps.credentials[0].parent))
    console.print(f"  try:         cd {escape(where)} && {escape(steps.command)}")
    console.print(f"               (or as root on {escape(steps.controller)})")

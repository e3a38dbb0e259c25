"""Take a deployment off its nodes (the ``destroy`` playbook), then its generated files.

The operator's answer and secrets files stay; in the deployment directory only ``runs/``
(the logs, this run's included) is kept. Running it again finds nothing left and changes
nothing; ``deploy`` afterwards installs the deployment afresh on the same nodes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console

from installer.deploy.deploy import run_phases
from installer.deploy.options import RunOptions
from installer.deploy.prepare import load_and_render
from installer.errors import UsageError
from installer.paths import DeployPaths

PLAYBOOK = "destroy"


def destroy(answers: Path, confirm: str, *, secrets: Path | None = None,
            out_dir: Path | None = None, console: Console | None = None) -> DeployPaths:
    dep, rendered = load_and_render(answers, secrets, out_dir)
    if confirm != dep.name:
        raise UsageError(
            f"destroy removes deployment {dep.name!r} from {len(dep.nodes)} node(s): every "
            "OpenStack, Ceph and infrastructure service with its data",
            hint=f"confirm with --confirm {dep.name}")
    run_phases(rendered.out_dir, [PLAYBOOK], RunOptions(extra_cmdline=(
        "-e", f"destroy_confirm={confirm}")), console)
    paths = DeployPaths(rendered.out_dir)
    # tls/: the deployment's CA and certificate (a new deploy makes new ones)
    for generated in (paths.inventory, paths.facts, paths.verify, paths.tls):
        shutil.rmtree(generated, ignore_errors=True)
    for generated in (*paths.credentials, paths.known_hosts):
        generated.unlink(missing_ok=True)
    return paths

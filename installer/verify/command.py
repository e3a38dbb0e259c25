"""What ``stackinstall verify`` does: check the rendered deployment, show, and fail loudly.

Verify reads the deployment directory that ``render`` or ``deploy`` wrote (it never renders
itself: it checks what was deployed, not what the answer file says now); the answer file
only says where that directory is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from installer import console
from installer.answers import load
from installer.answers.report import show
from installer.errors import AnswerFileError, UsageError, VerifyError
from installer.paths import DeployPaths
from installer.render.owner import refuse_foreign
from installer.verify.inventory import read_inventory
from installer.verify.report import failure_lines, progress_to, table, to_json
from installer.verify.result import BLOCKED
from installer.verify.verify import verify_deploy_dir

if TYPE_CHECKING:
    from installer.testbed.smoke.image import GuestImage
    from installer.testbed.tempest.run import Selection


def run_verify(
    answers: Path,
    secrets: Path | None,
    out_dir: Path | None,
    *,
    junit: Path | None = None,
    as_json: bool = False,
    nodes: Sequence[str] = (),
    smoke: bool = False,
    browser: bool = False,
    tempest: Selection | None = None,
    smoke_image: GuestImage | None = None,
) -> None:
    paths = rendered_paths(answers, secrets, out_dir)
    known = {n.name for n in read_inventory(paths.root).nodes}
    unknown = sorted(set(nodes) - known)
    if unknown:
        raise UsageError(
            f"unknown node(s): {', '.join(unknown)}",
            hint=f"nodes of this deployment: {', '.join(sorted(known))}",
        )
    checked = sorted(set(nodes) or known)
    console.err.print(f"verify: checking {len(checked)} node(s) ({', '.join(checked)}); one "
                      "line per check as it ends", markup=False, highlight=False, soft_wrap=True)
    outcome = verify_deploy_dir(
        paths.root, limit=set(nodes) if nodes else None, smoke=smoke, browser=browser,
        tempest=tempest, junit=junit, progress=progress_to(console.err), smoke_image=smoke_image,
    )
    if outcome.artifacts is not None:
        (outcome.artifacts / "results.json").write_text(
            to_json(outcome.results, outcome.nodes), encoding="utf-8"
        )
    if as_json:
        # soft_wrap: never break lines, so the output stays valid JSON at any width
        console.out.print(
            to_json(outcome.results, outcome.nodes), markup=False, highlight=False, soft_wrap=True
        )
    else:
        console.out.print(table(outcome.results, outcome.nodes, console.out.width))
        if junit:
            console.out.print(f"JUnit XML: [path]{escape(str(junit))}[/path]")
        if outcome.artifacts is not None:
            console.out.print(f"artifacts: [path]{escape(str(outcome.artifacts))}[/path]")
    if outcome.failed:
        for line in failure_lines(outcome.failed):
            console.err.print(line, markup=False, highlight=False, soft_wrap=True)
        broken = sorted({r.node for r in outcome.failed})
        failed = sum(1 for r in outcome.failed if r.status != BLOCKED)
        blocked = len(outcome.failed) - failed
        counts = " and ".join([*([f"{failed} failed"] if failed else []),
                               *([f"{blocked} blocked"] if blocked else [])])
        raise VerifyError(
            f"{counts} of {len(outcome.results)} checks on {', '.join(broken)}",
            hint=(f"fix the cause or re-apply the configuration: stackinstall deploy {answers}"
                  if failed else "a blocked check cannot run on its node (its reason says "
                  "why); it is never counted as passed"),
        )
    if not as_json:
        console.success(f"all {len(outcome.results)} checks passed on {len(outcome.nodes)} nodes")


def rendered_paths(answers: Path, secrets: Path | None, out_dir: Path | None) -> DeployPaths:
    """The deployment directory of ``answers``; refused when nothing was rendered there."""
    try:
        deployment = load(answers, secrets)
    except AnswerFileError as exc:
        show(exc.problems)  # type: ignore[arg-type]
        raise
    paths = DeployPaths.at(out_dir, deployment.default_deploy_dir)
    if not paths.rendered:
        raise VerifyError(
            f"{paths.root} holds no rendered deployment ({paths.hosts} is missing): nothing "
            "to verify",
            hint=f"run stackinstall render/deploy first: stackinstall deploy {answers}",
        )
    refuse_foreign(paths.root, answers)
    return paths

"""What ``stackinstall verify`` does: render, check, show, and fail loudly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.markup import escape

from installer import console
from installer.errors import UsageError, VerifyError
from installer.runner.prepare import load_and_render
from installer.verify.report import failure_lines, table, to_json, to_junit
from installer.verify.tempest import Selection
from installer.verify.verify import verify_deploy_dir


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
) -> None:
    deployment, rendered = load_and_render(answers, secrets, out_dir)
    known = {n.name for n in deployment.nodes}
    unknown = sorted(set(nodes) - known)
    if unknown:
        raise UsageError(
            f"unknown node(s): {', '.join(unknown)}",
            hint=f"nodes of this deployment: {', '.join(sorted(known))}",
        )
    outcome = verify_deploy_dir(
        rendered.out_dir, limit=set(nodes) if nodes else None, smoke=smoke, browser=browser,
        tempest=tempest,
    )
    if outcome.artifacts is not None:
        (outcome.artifacts / "results.json").write_text(
            to_json(outcome.results, outcome.nodes), encoding="utf-8"
        )
    if junit:
        junit.write_text(to_junit(outcome.results), encoding="utf-8")
    if as_json:
        # soft_wrap: never break lines, so the output stays valid JSON at any width
        console.out.print(
            to_json(outcome.results, outcome.nodes), markup=False, highlight=False, soft_wrap=True
        )
    else:
        console.out.print(table(outcome.results, outcome.nodes))
        if junit:
            console.out.print(f"JUnit XML: [path]{escape(str(junit))}[/path]")
        if outcome.artifacts is not None:
            console.out.print(f"artifacts: [path]{escape(str(outcome.artifacts))}[/path]")
    if outcome.failed:
        for line in failure_lines(outcome.failed):
            console.err.print(line, markup=False, highlight=False, soft_wrap=True)
        broken = sorted({r.node for r in outcome.failed})
        raise VerifyError(
            f"{len(outcome.failed)} of {len(outcome.results)} checks failed on "
            f"{', '.join(broken)}",
            hint=f"fix the cause or re-apply the configuration: stackinstall deploy {answers}",
        )
    if not as_json:
        console.success(f"all {len(outcome.results)} checks passed on {len(outcome.nodes)} nodes")

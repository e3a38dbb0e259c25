"""Run preflight: every node at once (a thread per node), then every check on the facts."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from installer import console
from installer.answers.model import Deployment
from installer.errors import PreflightFailed
from installer.preflight.checks import evaluate
from installer.preflight.checks.identity import unique_machines
from installer.preflight.collect import collect
from installer.preflight.findings import Report
from installer.preflight.report import problem_table

MAX_PARALLEL = 32


def run_preflight(deployment: Deployment, known_hosts: Path | None = None) -> Report:
    """Collect from every node in parallel and evaluate every check; never raises for a
    node's problems (they are findings)."""
    started = time.monotonic()
    nodes = list(deployment.nodes)
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(nodes) or 1)) as pool:
        probes = list(pool.map(lambda n: collect(deployment, n, known_hosts), nodes))
    findings = [f for node, probe in zip(nodes, probes, strict=True)
                for f in evaluate(deployment, node, probe)]
    findings += unique_machines(probes)
    order = {n.name: i for i, n in enumerate(nodes)}
    findings.sort(key=lambda f: order[f.node])  # stable: check order kept per node
    return Report([n.name for n in nodes], findings, time.monotonic() - started)


def failure(report: Report, answers: Path, *, also: str = "") -> PreflightFailed:
    """The error that ends a preflight with problems (exit 6); ``also`` extends its hint."""
    nodes = sorted({f.node for f in report.problems})
    return PreflightFailed(
        f"preflight found {len(report.problems)} problem(s) on {', '.join(nodes)}",
        report=report,
        hint=f"fix each as its row says, then run: stackinstall preflight {answers}{also}",
    )


def ensure_ready(deployment: Deployment, known_hosts: Path | None = None) -> Report:
    """Preflight before a deploy: raise PreflightFailed (after showing the problems)."""
    local = deployment.local_node
    how = "over SSH" if local is None else (
        f"{local.name} here (connection: local)" if len(deployment.nodes) == 1
        else f"over SSH, {local.name} here (connection: local)")
    console.out.print(f"preflight: checking {len(deployment.nodes)} node(s) {how} ...",
                      markup=False, highlight=False)
    report = run_preflight(deployment, known_hosts)
    if not report.ok:
        console.err.print(problem_table(report))
        raise failure(report, deployment.path,
                      also="; or deploy without these checks: stackinstall deploy "
                      f"{deployment.path} --skip-preflight")
    warnings = (f"; {len(report.warnings)} warning(s), shown by: stackinstall preflight "
                f"{deployment.path}" if report.warnings else "")
    console.out.print(f"preflight: {len(report.findings)} checks passed on "
                      f"{len(report.nodes)} node(s) in {report.duration_s:.1f} s{warnings}",
                      markup=False, highlight=False)
    return report

"""What ``stackinstall preflight`` does: load the answer file, check, show, fail loudly."""

from __future__ import annotations

from pathlib import Path

from installer import console
from installer.answers import load_topology
from installer.paths import DeployPaths
from installer.preflight.findings import Report
from installer.preflight.report import passed_by_node, problem_table, table, to_json
from installer.preflight.run import failure, run_preflight


def run_command(answers: Path, *, as_json: bool = False, show_all: bool = False) -> Report:
    deployment = load_topology(answers)
    report = run_preflight(deployment, DeployPaths(deployment.default_deploy_dir).known_hosts)
    if as_json:
        console.out.print(to_json(report), markup=False, highlight=False, soft_wrap=True)
    elif show_all:
        console.out.print(table(report))
    else:
        for line in passed_by_node(report):
            console.out.print(line, markup=False, highlight=False)
        if report.problems or report.warnings:
            console.out.print(problem_table(report))
    if not report.ok:
        raise failure(report, answers)
    if not as_json:
        console.success(f"{len(report.findings)} checks passed on {len(report.nodes)} nodes"
                        + (f" ({len(report.warnings)} warnings)" if report.warnings else ""))
    return report

"""CLI: ``stackinstall deploy``."""

from __future__ import annotations

from pathlib import Path

import click

from installer import console
from installer.deploy.deploy import DeployRequest
from installer.deploy.deploy import deploy as run_deploy
from installer.deploy.options import (
    DEFAULT_FORKS,
    DEFAULT_STRATEGY,
    DEFAULT_TASK_TIMEOUT,
    STRATEGIES,
    RunOptions,
)
from installer.deploy.phases import PHASES
from installer.deploy.plan import from_run
from installer.deploy.plan import show as show_plan
from installer.errors import DeployFailed
from installer.jsonout import json_stdout

_FILE = click.Path(path_type=Path, dir_okay=False)
_PHASE = click.Choice(PHASES)


@click.command()
@click.argument("answers", type=_FILE)
@click.option("--secrets", type=_FILE, help="Secrets file (default: as the answer file says).")
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Deployment directory (default: deployments/<name> beside ANSWERS).")
@click.option("--phase", "phases", type=_PHASE, multiple=True,
              help="Run only this phase (repeatable).")
@click.option("--from", "start", type=_PHASE, help="Run this phase and every later one.")
@click.option("--limit", metavar="PATTERN", help="Only these hosts (Ansible --limit).")
@click.option("--tags", multiple=True, help="Only tasks with these tags (repeatable).")
@click.option("--check", is_flag=True, help="Dry run: report what would change.")
@click.option("--diff", is_flag=True, help="Show file differences.")
@click.option("--plan", is_flag=True,
              help="Change nothing; print per node the files, packages, restarts (and why) "
                   "and registrations a deploy would change, then a one-line verdict "
                   "(--diff adds the file differences, secrets masked).")
@click.option("--forks", type=click.IntRange(1, 200), default=DEFAULT_FORKS, show_default=True,
              help="Hosts configured in parallel.")
@click.option("--task-timeout", type=click.IntRange(0), default=DEFAULT_TASK_TIMEOUT,
              show_default=True, metavar="SECONDS",
              help="Fail any one task that runs longer than this on a node, naming it "
                   "(0: no limit).")
@click.option("--strategy", type=click.Choice(STRATEGIES), default=DEFAULT_STRATEGY,
              show_default=True,
              help="mitogen: one Python per node for a whole phase (faster); linear: "
                   "Ansible's own, a new Python per task.")
@click.option("-v", "--verbose", count=True, help="Stream Ansible's own output (-vv... more).")
@click.option("--skip-preflight", is_flag=True,
              help="Do not run `stackinstall preflight`'s checks first.")
@click.option("--upgrade", is_flag=True,
              help="Upgrade every package in the bootstrap phase this once, whatever "
                   "repos.upgrade says.")
@click.option("-y", "--yes", is_flag=True,
              help="Deploy onto this machine (a node with connection: local) without asking; "
                   "needed when there is no terminal to ask on.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the run summary (summary.json) as JSON on stdout at the end; the "
                   "progress goes to stderr.")
def deploy(
    answers: Path,
    secrets: Path | None,
    out_dir: Path | None,
    phases: tuple[str, ...],
    start: str | None,
    limit: str | None,
    tags: tuple[str, ...],
    check: bool,
    diff: bool,
    plan: bool,
    forks: int,
    task_timeout: int,
    strategy: str,
    verbose: int,
    skip_preflight: bool,
    upgrade: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Validate ANSWERS, render the deployment and run the phases with live progress."""
    options = RunOptions(
        limit=limit,
        tags=tags,
        check=check or plan,
        diff=diff or plan,
        verbosity=max(verbose - 1, 0),
        stream=verbose > 0,
        forks=forks,
        task_timeout=task_timeout,
        upgrade=upgrade,
        strategy=strategy,
    )
    request = DeployRequest(answers, secrets, out_dir, phases, start, options,
                            skip_preflight=skip_preflight, yes=yes)
    with json_stdout(as_json) as emit:
        try:
            result = run_deploy(request)
        except DeployFailed as exc:
            if as_json:
                emit(exc.summary)
            raise
        if plan:
            found = from_run(result.summary)
            show_plan(console.out, found, diffs=diff)
            if as_json:
                emit(found.as_dict(diffs=diff))
            return
        done = "check run finished (nothing was changed)" if check else "deployment finished"
        console.success(f"{done}; summary: {result.summary_path}")
    if as_json:
        emit(result.summary.as_dict())


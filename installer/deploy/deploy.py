"""Run the selected phases: one ansible-runner invocation, one ansible-playbook, for all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import ansible_runner
from ansible_runner.exceptions import AnsibleRunnerException
from rich.console import Console
from rich.markup import escape

from installer import console as consoles
from installer.deploy.confirm import confirm_local
from installer.deploy.display import Progress
from installer.deploy.events import PhaseRecord, RunTracker
from installer.deploy.hostkeys import record_new_host_keys, ssh_nodes
from installer.deploy.nextsteps import next_steps, print_next_steps
from installer.deploy.options import DEFAULT_STRATEGY, RunOptions, runner_kwargs
from installer.deploy.phases import (
    combined_playbook,
    playbook_for,
    select_phases,
    skip_tags,
)
from installer.deploy.prepare import load_and_render
from installer.deploy.resume import resume_command
from installer.deploy.rundir import LOG_NAME, SUMMARY_NAME, RunLog, new_run_dir
from installer.deploy.secrets import find_leaks, redact
from installer.deploy.settings import ansible_env
from installer.deploy.stop import StopRequest, end_leftovers
from installer.deploy.summary import RunSummary, failure_report, print_summary
from installer.errors import DeployError, DeployFailed
from installer.masking import Masker, load_secret_values
from installer.paths import DeployPaths
from installer.preflight import ensure_ready


@dataclass(frozen=True)
class DeployRequest:
    """Everything the ``deploy`` command line asked for."""

    answers: Path
    secrets: Path | None = None
    out_dir: Path | None = None
    phases: tuple[str, ...] = ()
    start: str | None = None
    options: RunOptions = field(default_factory=RunOptions)
    skip_preflight: bool = False
    #: deploy onto this machine (a node with connection: local) without asking
    yes: bool = False


@dataclass(frozen=True)
class DeployResult:
    summary: RunSummary
    summary_path: Path


def deploy(request: DeployRequest, console: Console | None = None) -> DeployResult:
    """Validate, render, run the phases; raise DeployError naming what failed."""
    phases = select_phases(request.phases, request.start)
    deployment, rendered = load_and_render(request.answers, request.secrets, request.out_dir)
    for notice in rendered.notices:
        (console or consoles.out).print(f"[key]{escape(notice)}[/key]")
    if not deployment.tls.enabled:
        (console or consoles.out).print(
            "[failed]TLS is OFF (tls.mode: off): the APIs and the dashboard will speak plain "
            "HTTP[/failed]")
    if not request.skip_preflight:
        ensure_ready(deployment, rendered.paths.known_hosts)
    confirm_local(deployment, yes=request.yes, check=request.options.check)

    def resume(phase: str) -> str:
        return resume_command(
            request.answers,
            phase,
            secrets=request.secrets,
            out_dir=request.out_dir,
            limit=request.options.limit,
            tags=request.options.tags,
            upgrade=request.options.upgrade and phase == "bootstrap",
            strategy=(request.options.strategy
                      if request.options.strategy != DEFAULT_STRATEGY else None),
            yes=deployment.local_node is not None,
        )

    result = run_phases(rendered.out_dir, phases, request.options, console, resume=resume)
    if not request.options.check:
        print_next_steps(console or consoles.out, next_steps(deployment, rendered.out_dir))
    return result


def _check_playbooks(phases: Sequence[str], directory: Path | None) -> list[Path]:
    playbooks = [playbook_for(p, directory) for p in phases]
    missing = [p for p in playbooks if not p.is_file()]
    if missing:
        raise DeployError(
            f"playbook(s) not found: {', '.join(str(p) for p in missing)}",
            hint="choose phases that exist with --phase NAME, or reinstall stackinstall",
        )
    return playbooks


def run_phases(
    deploy_dir: Path,
    phases: Sequence[str],
    options: RunOptions,
    console: Console | None = None,
    *,
    resume: Callable[[str], str] | None = None,
    playbooks_dir: Path | None = None,
) -> DeployResult:
    """Run ``phases`` against the rendered inventory in ``deploy_dir``.

    ``playbooks_dir`` defaults to the project's ``playbooks/``; ``resume`` builds the
    command that re-runs from a failed phase.
    """
    console = console or consoles.out
    playbooks = _check_playbooks(phases, playbooks_dir)
    secrets = load_secret_values(deploy_dir)
    masker = Masker(secrets.values())
    run_dir = new_run_dir(deploy_dir)
    log = RunLog(run_dir / LOG_NAME, masker)
    started = datetime.now(UTC)
    tracker = RunTracker()
    streaming = options.stream or options.verbosity > 0
    progress = Progress(console, tracker, list(phases), verbose=streaming)
    show = progress.stdout_sink(masker)

    def on_stdout(text: str) -> None:
        log.write(text)
        show(text)

    tracker.on_stdout = on_stdout
    env = ansible_env()
    paths = DeployPaths(deploy_dir)
    paths.facts.mkdir(mode=0o700, exist_ok=True)
    learned = record_new_host_keys(paths.known_hosts, ssh_nodes(paths))
    if learned:
        log.write(f"==== recorded the SSH host keys of {', '.join(learned)} in {paths.known_hosts}")
    failed_phase: str | None = None
    stop = StopRequest()
    playbook, ident = _one_playbook(phases, playbooks, run_dir)
    skipped = skip_tags(playbooks)
    if skipped:
        options = replace(options, extra_cmdline=(*options.extra_cmdline, "--skip-tags",
                                                  ",".join(skipped)))

    def phase_done(record: PhaseRecord) -> None:
        progress.phase_done(record.name, record.status, record.duration_s)
        log.write(f"==== phase {record.name}: {record.status} in {record.duration_s:.1f}s")

    tracker.on_phase_done = phase_done
    try:
        with progress, stop:
            tracker.follow(phases)
            log.write(f"==== phases {', '.join(phases)}: {playbook}")
            status = _run_one(
                options,
                playbook=playbook,
                inventory=paths.inventory,
                private_data_dir=run_dir,
                ident=ident,
                envvars=env,
                fact_cache=paths.facts,
                tracker=tracker,
                stop=stop,
            )
            if stop.requested() and status != "successful":
                status = "stopped"
                log.write(f"==== stopped by {stop.signal_name}")
            phase_done(tracker.finish_phase(status))
            if status != "successful":
                failed_phase = tracker.phases[-1].name
    except KeyboardInterrupt:
        failed_phase = tracker.current.name if tracker.current else phases[0]
        if tracker.current and tracker.current.status == "running":
            tracker.finish_phase("interrupted")
    finally:
        log.close()
    summary = _summarise(deploy_dir, run_dir, started, tracker, options, failed_phase, resume)
    summary.secret_leaks = _scrub_secrets(run_dir, secrets)
    summary_path = run_dir / SUMMARY_NAME
    summary.write(summary_path)
    print_summary(console, summary)
    if failed_phase is not None:
        _raise_failure(summary, tracker, failed_phase, masker)
    return DeployResult(summary, summary_path)


def _one_playbook(
    phases: Sequence[str], playbooks: Sequence[Path], run_dir: Path
) -> tuple[Path, str]:
    """The playbook of the run and the name of its artifacts: one phase's own playbook, or
    for several phases one written into the run directory that imports theirs in order."""
    if len(playbooks) == 1:
        return playbooks[0], phases[0]
    return combined_playbook(phases, playbooks, run_dir / "phases.yml"), "phases"


def _scrub_secrets(run_dir: Path, secrets: dict[str, str]) -> list[dict[str, str]]:
    """Find secret values in the run directory, overwrite them, and say which leaked where.

    Nothing should ever be found: tasks handling secrets carry ``no_log: true`` and no
    secret is passed on the command line. This is the safety net and the tripwire.
    """
    leaks = find_leaks(run_dir, secrets)
    if not leaks:
        return []
    redact(leaks, secrets)
    consoles.warn(
        f"secret values ({', '.join(sorted({leak.key for leak in leaks}))}) reached the run "
        "artifacts and were overwritten with ********; a task lacks no_log: true"
    )
    return [{"file": str(leak.path.relative_to(run_dir)), "key": leak.key} for leak in leaks]


def _run_one(
    options: RunOptions,
    *,
    tracker: RunTracker,
    playbook: Path,
    inventory: Path,
    private_data_dir: Path,
    ident: str,
    envvars: dict[str, str],
    fact_cache: Path,
    stop: StopRequest,
) -> str:
    kwargs = runner_kwargs(
        options,
        playbook=playbook,
        inventory=inventory,
        private_data_dir=private_data_dir,
        ident=ident,
        envvars=envvars,
        fact_cache=fact_cache,
    )
    try:
        result = ansible_runner.run(
            event_handler=tracker.handle, cancel_callback=stop.requested, **kwargs
        )
        if stop.requested():
            end_leftovers(private_data_dir / "artifacts" / ident)
    except (AnsibleRunnerException, OSError) as exc:
        raise DeployError(
            f"ansible-runner could not start ansible-playbook: {exc}",
            hint="check that ansible-core is installed next to stackinstall "
            "(pip install stackinstall pulls it in)",
        ) from exc
    if result.status == "successful" and result.rc == 0:
        return "successful"
    return str(result.status or "failed")


def _summarise(
    deploy_dir: Path,
    run_dir: Path,
    started: datetime,
    tracker: RunTracker,
    options: RunOptions,
    failed_phase: str | None,
    resume: Callable[[str], str] | None,
) -> RunSummary:
    finished = datetime.now(UTC)
    command = resume(failed_phase) if failed_phase and resume else None
    return RunSummary(
        status="failed" if failed_phase else "successful",
        started=started.isoformat(),
        finished=finished.isoformat(),
        duration_s=(finished - started).total_seconds(),
        run_dir=run_dir,
        deploy_dir=deploy_dir,
        phases=list(tracker.phases),
        hosts=tracker.totals(),
        failures=tracker.failures(),
        check_mode=options.check,
        resume_command=command,
    )


def _raise_failure(
    summary: RunSummary, tracker: RunTracker, phase: str, masker: Masker
) -> None:
    record = next(p for p in tracker.phases if p.name == phase)
    lines = failure_report(record.failures, record.output_tail, masker)
    for line in lines:
        consoles.err.print(line, markup=False, highlight=False, soft_wrap=True)
    hosts = sorted({f.host for f in record.failures})
    what = f"on {', '.join(hosts)}" if hosts else ""
    hint = f"full log: {summary.run_dir / LOG_NAME}"
    if summary.resume_command:
        hint += f"; after fixing, resume with: {summary.resume_command}"
    raise DeployFailed(f"phase {phase} {record.status} {what}".rstrip(), hint=hint,
                       summary=summary.as_dict())

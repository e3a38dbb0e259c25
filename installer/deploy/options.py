"""Map the deploy command line onto ansible-runner keyword arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer.deploy.settings import strategy_env

#: Enough parallelism for a four-node lab plus headroom for real clusters.
DEFAULT_FORKS = 10
#: The longest a single task may run on one node (ANSIBLE_TASK_TIMEOUT). The slowest task
#: seen on the lab, the controller's package installation, takes about 5 minutes under load;
#: a hung one (a package script waiting on a service that never starts) used to block a
#: deploy until someone killed it.
DEFAULT_TASK_TIMEOUT = 1800
#: How Ansible runs tasks on the nodes (ANSIBLE_STRATEGY). ``mitogen`` (Mitogen for Ansible's
#: linear strategy) keeps one Python per node for a whole phase instead of starting one per
#: task: on the four-node lab a no-change re-run took 81 s instead of 116 s. ``linear`` is
#: Ansible's own, for a node or module Mitogen cannot handle.
STRATEGIES = ("mitogen", "linear")
DEFAULT_STRATEGY = "mitogen"


@dataclass(frozen=True)
class RunOptions:
    """How the operator asked Ansible to run (phase selection lives elsewhere).

    ``stream`` shows Ansible's own output instead of the live table; ``verbosity`` is
    Ansible's ``-v`` count on top of that.
    """

    limit: str | None = None
    tags: tuple[str, ...] = ()
    check: bool = False
    diff: bool = False
    verbosity: int = 0
    stream: bool = False
    forks: int = DEFAULT_FORKS
    #: seconds; 0 = no limit
    task_timeout: int = DEFAULT_TASK_TIMEOUT
    #: upgrade every package in the bootstrap phase this once (repos.upgrade notwithstanding)
    upgrade: bool = False
    #: one of STRATEGIES
    strategy: str = DEFAULT_STRATEGY
    extra_cmdline: tuple[str, ...] = field(default_factory=tuple)

    def cmdline(self) -> str | None:
        args: list[str] = []
        if self.check:
            args.append("--check")
        if self.diff:
            args.append("--diff")
        if self.upgrade:
            args += ["-e", "base_upgrade=always"]
        args.extend(self.extra_cmdline)
        return " ".join(args) or None


def runner_kwargs(
    options: RunOptions,
    *,
    playbook: Path,
    inventory: Path,
    private_data_dir: Path,
    ident: str,
    envvars: dict[str, str],
    fact_cache: Path,
) -> dict[str, Any]:
    """Keyword arguments for ``ansible_runner.run`` for one phase playbook.

    Nothing secret goes in here: no extravars, no passwords. Secrets reach Ansible only
    through ``inventory/group_vars/all/secrets.yml``. ``suppress_env_files`` keeps
    ansible-runner from copying these settings into ``env/`` files.
    """
    envvars = {**envvars, **strategy_env(options.strategy)}
    if options.task_timeout:
        envvars["ANSIBLE_TASK_TIMEOUT"] = str(options.task_timeout)
    kwargs: dict[str, Any] = {
        "private_data_dir": str(private_data_dir),
        "ident": ident,
        "playbook": str(playbook),
        "inventory": str(inventory),
        "envvars": envvars,
        "forks": options.forks,
        "quiet": True,
        "suppress_env_files": True,
        "rotate_artifacts": 0,
        "fact_cache_type": "jsonfile",
        "fact_cache": str(fact_cache.resolve()),
    }
    if options.limit:
        kwargs["limit"] = options.limit
    if options.tags:
        kwargs["tags"] = ",".join(options.tags)
    cmdline = options.cmdline()
    if cmdline:
        kwargs["cmdline"] = cmdline
    if options.verbosity:
        kwargs["verbosity"] = options.verbosity
    return kwargs

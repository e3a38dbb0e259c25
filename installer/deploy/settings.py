"""Environment for ansible-playbook: paths, SSH behaviour, parallelism and fact caching."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from installer.deploy.phases import roles_dir
from installer.errors import DeployError

#: Our own Ansible plugins (a callback that makes the forked workers cheaper to start).
PLUGINS_DIR = Path(__file__).resolve().parent / "ansible_plugins"
#: The callbacks every run enables, by name.
CALLBACKS = ("stackinstall_workers",)


def ansible_env() -> dict[str, str]:
    """Settings passed as environment variables (they win over any ansible.cfg).

    Host key checking stays on: the rendered ``ansible_ssh_common_args`` point SSH at the
    deployment's own ``known_hosts`` with ``StrictHostKeyChecking=accept-new``, so a first
    contact records the key and a changed key is refused. Facts are cached as JSON (the
    directory is passed to ansible-runner as ``fact_cache``, ``DeployPaths.facts``) so
    that re-runs skip most fact gathering. Our callback plugin makes Ansible's forked workers
    cheaper to start (``ansible_plugins/callback/stackinstall_workers.py``).
    """
    venv_bin = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "/usr/bin:/bin")
    if venv_bin not in path.split(os.pathsep):
        path = venv_bin + os.pathsep + path
    return {
        "PATH": path,
        "ANSIBLE_ROLES_PATH": str(roles_dir()),
        "ANSIBLE_CALLBACK_PLUGINS": str(PLUGINS_DIR / "callback"),
        "ANSIBLE_CALLBACKS_ENABLED": ",".join(CALLBACKS),
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_GATHERING": "smart",
        # The roles read facts only as ansible_facts[...] (tests/static): not copying every
        # fact into a top-level ansible_* variable spares the controller a cleaning of the
        # host's facts (it lists the connection plugins from disk) for each host of each step.
        "ANSIBLE_INJECT_FACT_VARS": "False",
        "ANSIBLE_CACHE_PLUGIN": "jsonfile",
        "ANSIBLE_CACHE_PLUGIN_TIMEOUT": "86400",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_DISPLAY_ARGS_TO_STDOUT": "False",
        "ANSIBLE_TIMEOUT": "30",
        "ANSIBLE_SSH_RETRIES": "2",
        "ANSIBLE_FORCE_COLOR": "True",
    }


def strategy_env(strategy: str) -> dict[str, str]:
    """ANSIBLE_STRATEGY (and Mitogen's plugin directory) for a RunOptions.strategy."""
    if strategy == "linear":
        return {"ANSIBLE_STRATEGY": "linear"}
    if strategy != "mitogen":
        raise DeployError(f"unknown strategy {strategy!r}", hint="use mitogen or linear")
    spec = importlib.util.find_spec("ansible_mitogen")
    if spec is None or not spec.submodule_search_locations:
        raise DeployError(
            "Mitogen for Ansible (the Python package mitogen) is not installed",
            hint="reinstall stackinstall (it depends on mitogen), or run with --strategy linear",
        )
    plugins = Path(next(iter(spec.submodule_search_locations))) / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": "mitogen_linear"}

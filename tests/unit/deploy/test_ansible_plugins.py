"""The callback plugin every run enables (installer/deploy/ansible_plugins/callback)."""

import subprocess
import sys

from installer.deploy.settings import CALLBACKS, PLUGINS_DIR, ansible_env

PLUGIN = PLUGINS_DIR / "callback" / "stackinstall_workers.py"

#: Loads the plugin as Ansible would (by path), then forks as Ansible's workers do.
CHILD = f"""
import gc, importlib.util, os, sys
spec = importlib.util.spec_from_file_location("plugin", {str(PLUGIN)!r})
plugin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plugin)
first = plugin.register_fork_hooks()
again = plugin.register_fork_hooks()
kept = [[i] for i in range(1000)]
pid = os.fork()
if pid == 0:
    os._exit(0 if gc.get_freeze_count() > len(kept) else 1)
_, status = os.waitpid(pid, 0)
print(first, again, os.waitstatus_to_exitcode(status), gc.get_freeze_count())
"""


def test_every_run_enables_the_plugin_from_its_directory() -> None:
    env = ansible_env()
    assert PLUGIN.is_file()
    assert env["ANSIBLE_CALLBACK_PLUGINS"] == str(PLUGINS_DIR / "callback")
    assert env["ANSIBLE_CALLBACKS_ENABLED"].split(",") == list(CALLBACKS)
    assert PLUGIN.stem in CALLBACKS


def test_a_forked_worker_starts_with_the_inherited_heap_frozen_and_the_parent_does_not() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          check=True, timeout=60)
    first, again, child_status, parent_frozen = done.stdout.split()
    assert (first, again) == ("True", "False")  # registered once per process
    assert child_status == "0"  # the child's collector skips what it inherited
    assert parent_frozen == "0"  # the controller still collects all of its own

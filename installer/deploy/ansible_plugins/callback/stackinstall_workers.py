"""Ansible callback plugin: make Ansible's forked workers cheaper to start.

1. Keep Python's garbage collector in the workers off the objects they inherit from the
controller process.

Ansible forks one worker per task and node. A worker starts with a copy of the
controller's whole heap, and the first full collection in a worker walks all of it: on a
no-change re-run of the four-node lab that added 0.3 to 0.4 s to every step of some plays,
depending only on where the controller's collection counters stood at the fork. This
follows the pattern the Python documentation gives for ``gc.freeze``: freeze right before
the fork, so the child never scans what it inherited, and unfreeze in the parent right
after, so the controller still collects its own garbage.

2. Load the Jinja filter and test plugins once in the controller, at the start of the
playbook, instead of again in every worker that templates its first expression (the
first template a worker compiled took about 16 ms against 3 ms for the next ones).

It changes nothing else: no output, no events.
"""

from __future__ import annotations

import gc
import os

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, test_loader

DOCUMENTATION = """
name: stackinstall_workers
type: aggregate
short_description: make the controller's forked workers cheaper to start
description:
  - Registers gc.freeze before each fork and gc.unfreeze after it in the parent, so a
    worker's collections skip the objects it inherited from the controller.
  - Loads the Jinja filter and test plugins in the controller before the first task, so
    the workers inherit them loaded.
requirements:
  - enabled in callbacks_enabled (stackinstall deploy does that)
"""

_registered = False


def register_fork_hooks() -> bool:
    """Register the hooks once per process; say whether this call registered them."""
    global _registered
    if _registered:
        return False
    os.register_at_fork(before=gc.freeze, after_in_parent=gc.unfreeze)
    _registered = True
    return True


class CallbackModule(CallbackBase):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "stackinstall_workers"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        register_fork_hooks()

    def v2_playbook_on_start(self, playbook: object) -> None:
        for loader in (filter_loader, test_loader):
            for _plugin in loader.all():
                pass

"""The smoke's steps by name, and how one is recorded: passed, failed or blocked.

Each step is one :class:`CheckResult` named ``smoke: <step>`` on the controller, with its
time. A step the host cannot run is ``blocked`` with the reason (never ``pass``); a step
that was not attempted because one it needs did not pass inherits ``blocked`` from it, and
fails otherwise. The names are the report's contract (the e2e tests look them up).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from installer.verify.result import BLOCKED, FAIL, PASS, CheckResult, Progress, unheard

WHERE = "stackinstall verify --smoke; the services' logs on the named nodes"

IMAGE = "upload the guest image"
FLAVOR = "create a flavor"
NETWORK = "create a network, subnet and router on the external network"
ACCESS = "create a key pair and a security group"
VOLUME = "create a volume"
BOOT = "boot a guest on the compute node"
BOOTED = "the guest booted and read the metadata service"
REACH = "reach the guest over SSH by its floating IP"
SECURITY_GROUPS = "security groups are enforced"
WRITE = "attach the volume and write on it in the guest"
DETACH = "detach the volume"
BOOT_CONFIG_DRIVE = "boot a second guest with a config drive"
READ = "attach the volume to it and read the data back"
CLEANUP = "delete everything"
LEFTOVERS = "nothing left behind"


class StepFailed(Exception):
    """A smoke step did not work; the message says what was seen."""


class StepBlocked(Exception):
    """A smoke step cannot run on this host (or with this image); the message says why."""


@dataclass
class Recorder:
    """Runs steps and keeps their results in order."""

    node: str
    clock: Callable[[], float] = time.monotonic
    results: list[CheckResult] = field(default_factory=list)
    progress: Progress = unheard

    def _record(self, result: CheckResult) -> None:
        self.results.append(result)
        self.progress(result)

    def step(self, name: str, action: Callable[[], str]) -> bool:
        """Run ``action``; its return is the pass message. True when it passed."""
        started = self.clock()
        try:
            status, message = PASS, action()
        except StepBlocked as exc:
            status, message = BLOCKED, str(exc)
        except StepFailed as exc:
            status, message = FAIL, str(exc)
        except Exception as exc:  # a crashed step is a failed step, reported
            status, message = FAIL, f"{type(exc).__name__}: {exc}"
        self._record(CheckResult(
            check=f"smoke: {name}", node=self.node, status=status, message=message,
            where=WHERE, duration_s=self.clock() - started,
        ))
        return status == PASS

    def status(self, name: str) -> str | None:
        earlier = next((r for r in self.results if r.check == f"smoke: {name}"), None)
        return earlier.status if earlier is not None else None

    def not_attempted(self, name: str, needs: list[str]) -> None:
        """Record ``name`` as not run because a step of ``needs`` did not pass."""
        missing = [need for need in needs if self.status(need) != PASS]
        status = BLOCKED if any(self.status(m) == BLOCKED for m in missing) else FAIL
        self._record(CheckResult(
            check=f"smoke: {name}", node=self.node, status=status,
            message="not attempted: " + "; ".join(f"'{m}' did not pass" for m in missing),
            where=WHERE))

    def passed(self, names: list[str]) -> bool:
        return all(self.status(n) == PASS for n in names)

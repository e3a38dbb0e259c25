"""Verify a deployment: testinfra checks for every node's roles, as data.

Checks live in ``installer.verify.checks`` and register in ``installer.verify.registry``
with the inventory groups they apply to; ``verify_deploy_dir`` runs those that apply.
"""

from installer.verify.registry import REGISTRY, Check, Outcome, check, failed, passed
from installer.verify.verify import VerifyOutcome, verify_deploy_dir

__all__ = [
    "REGISTRY",
    "Check",
    "Outcome",
    "VerifyOutcome",
    "check",
    "failed",
    "passed",
    "verify_deploy_dir",
]

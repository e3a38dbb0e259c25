"""Verify a deployment: testinfra checks for every node's roles, run by pytest, as data.

The node checks are pytest test modules in ``installer.verify.nodetests``, marked with
``installer.verify.outcome.check`` (name, inventory groups, where to look);
``installer.verify.plugin`` selects them per node; ``verify_deploy_dir`` runs them and the
smoke, browser and tempest steps asked for.
"""

from installer.verify.result import CheckResult
from installer.verify.verify import VerifyOutcome, verify_deploy_dir

__all__ = ["CheckResult", "VerifyOutcome", "verify_deploy_dir"]

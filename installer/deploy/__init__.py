"""Run the deployment phases through ansible-runner, with live progress and a summary.

``deploy()`` is the one entry point: load and validate the answer file, render the
deployment directory, run the selected phase playbooks, keep every run's artifacts and
log under ``DEPLOY_DIR/runs/<UTC timestamp>/`` and report what happened.
"""

from installer.deploy.deploy import DeployRequest, DeployResult, deploy
from installer.deploy.phases import PHASES

__all__ = ["PHASES", "DeployRequest", "DeployResult", "deploy"]

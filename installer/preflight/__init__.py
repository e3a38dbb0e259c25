"""Preflight: every node of an answer file checked over SSH at once, before a deploy.

``run_preflight`` collects facts from each node in parallel (one paramiko connection per
node), evaluates the checks on them and returns a :class:`Report` naming, for every
problem, the node, what was found, what was expected and how to fix it.
"""

from __future__ import annotations

from installer.preflight.findings import Finding, Report, Status
from installer.preflight.run import ensure_ready, run_preflight

__all__ = ["Finding", "Report", "Status", "ensure_ready", "run_preflight"]

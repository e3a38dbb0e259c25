"""`stackinstall status FILE`: the nodes, what runs where, and the last deploy run."""

from installer.status.collect import DeploymentStatus, LastRun, NodeStatus, read_status

__all__ = ["DeploymentStatus", "LastRun", "NodeStatus", "read_status"]

"""`lab status --json`: the document's shape (docs/contracts.md)."""

from __future__ import annotations

import json
from pathlib import Path

from installer.testbed.lab.paths import LabPaths
from installer.testbed.lab.state import LabState
from installer.testbed.lab.status import LabStatus, NodeStatus, status_dict


def test_status_document() -> None:
    state = LabState(name="dn", management_cidr="10.229.0.0/24", provider_cidr="10.229.1.0/24",
                     tearing_down=True)
    node = NodeStatus(name="openstack1", roles=("controller",), address="10.229.0.11",
                      state="running", system="running", memory=2**20, pid=42)
    status = LabStatus(state=state, paths=LabPaths("dn", Path("/s/dn")), proxy_running=False,
                       nodes=(node,))
    doc = json.loads(json.dumps(status_dict(status)))
    assert doc["tearing_down"] is True and doc["suite"] == "bookworm"
    assert doc["proxy"] == {"url": "http://10.229.0.1:3142", "running": False}
    assert doc["answers"] == "/s/dn/answers.yml"
    assert doc["nodes"] == [{"name": "openstack1", "roles": ["controller"],
                             "address": "10.229.0.11", "state": "running", "systemd": "running",
                             "memory_bytes": 1048576, "pid": 42,
                             "kind": "container", "vm": None}]

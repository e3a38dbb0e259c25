"""A fake backup playbook: run_phases writes the parts the role would fetch."""

from __future__ import annotations

import gzip
import io
import json
import shlex
import tarfile
from pathlib import Path

import pytest

from installer.backup import backup as backup_module
from installer.backup import restore as restore_module


def tar_gz(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def backup_dir_of(options) -> Path:
    arg = shlex.split(" ".join(options.extra_cmdline))[1]
    assert arg.startswith("backup_dir=")
    return Path(arg.removeprefix("backup_dir="))


class FakePlaybooks:
    """Records each run; the backup playbook fetches parts for the controller and a node."""

    def __init__(self) -> None:
        self.runs: list[tuple[list[str], Path]] = []
        self.fail = False

    def __call__(self, deploy_dir, phases, options, console=None):
        directory = backup_dir_of(options)
        self.runs.append((list(phases), directory))
        if phases == ["backup"]:
            ctl = directory / "openstack1"
            ctl.mkdir(parents=True)
            (ctl / "databases.sql.gz").write_bytes(gzip.compress(b"CREATE DATABASE nova;"))
            (ctl / "databases.json").write_text(json.dumps(["keystone", "nova"]))
            (ctl / "keystone-keys.tar.gz").write_bytes(tar_gz({"fernet-keys/0": b"k0"}))
            (ctl / "config.tar.gz").write_bytes(
                tar_gz({"keystone/keystone.conf": b"[DEFAULT]", "nova/nova.conf": b"[x]"}))
            cmp = directory / "openstack3"
            cmp.mkdir()
            (cmp / "config.tar.gz").write_bytes(tar_gz({"nova/nova.conf": b"[y]"}))
            if self.fail:
                from installer.errors import DeployFailed
                raise DeployFailed("phase backup failed on openstack1", summary={})


@pytest.fixture
def playbooks(monkeypatch) -> FakePlaybooks:
    fake = FakePlaybooks()
    monkeypatch.setattr(backup_module, "run_phases", fake)
    monkeypatch.setattr(restore_module, "run_phases", fake)
    return fake

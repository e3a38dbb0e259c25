"""backup: the parts, the secrets file and a manifest, 0700/0600; pruning; failures."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from installer.backup.backup import backup
from installer.backup.manifest import load, sha256
from installer.backup.store import complete
from installer.cli import main
from installer.errors import DeployFailed, UsageError
from installer.masking import load_secret_values


def test_a_backup_holds_every_part_with_its_checksum(four_node: Path, playbooks):
    result = backup(four_node)
    assert playbooks.runs == [(["backup"], result.directory)]
    assert result.directory.parent.name == "backups"
    manifest = load(result.directory)
    assert manifest == result.manifest
    assert (manifest.deployment, manifest.release) == ("openstack", "zed")
    assert manifest.nodes == ("openstack1", "openstack2", "openstack3", "openstack4")
    assert manifest.databases == ("keystone", "nova")
    kinds = {(p.node, p.kind) for p in manifest.parts}
    assert kinds == {("openstack1", "databases"), ("openstack1", "database-list"),
                     ("openstack1", "keystone-keys"), ("openstack1", "config"),
                     ("openstack3", "config"), (None, "secrets")}
    for part in manifest.parts:
        assert sha256(result.directory / part.path) == part.sha256
    secrets = four_node.with_name("four-node.secrets.yml")
    assert (result.directory / "secrets.yml").read_bytes() == secrets.read_bytes()


def test_files_are_0600_and_directories_0700(four_node: Path, playbooks):
    result = backup(four_node)
    for path in [result.directory.parent, *result.directory.rglob("*"), result.directory]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_the_manifest_and_the_json_name_no_secret(four_node: Path, playbooks):
    result = CliRunner().invoke(main, ["backup", str(four_node), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["release"] == "zed" and len(document["parts"]) == 6
    directory = Path(document["directory"])
    secrets = load_secret_values(directory.parent.parent)
    assert secrets
    texts = [result.stdout, (directory / "manifest.json").read_text()]
    assert not [k for k, v in secrets.items() for t in texts if v in t]


def test_keep_removes_the_oldest_finished_backups(four_node: Path, playbooks):
    made = [backup(four_node).directory for _ in range(3)]
    backups = made[0].parent
    (backups / "00000000T000000Z").mkdir()  # unfinished: no manifest, not counted
    last = backup(four_node, keep=2)
    assert complete(backups) == [made[2], last.directory]
    assert set(last.pruned) == set(made[:2])
    assert (backups / "00000000T000000Z").is_dir()


def test_keep_below_one_is_refused_before_anything_runs(four_node: Path, playbooks):
    with pytest.raises(UsageError):
        backup(four_node, keep=0)
    assert playbooks.runs == []


def test_a_failed_backup_leaves_no_directory(four_node: Path, playbooks):
    playbooks.fail = True
    with pytest.raises(DeployFailed):
        backup(four_node)
    directory = playbooks.runs[0][1]
    assert not directory.exists()
    assert complete(directory.parent) == []

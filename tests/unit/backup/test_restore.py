"""restore: refusals change nothing; the confirmation shows what is overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from installer.backup.backup import backup
from installer.backup.restore import restore
from installer.errors import BackupError, UsageError


@pytest.fixture
def taken(four_node: Path, playbooks) -> Path:
    directory = backup(four_node).directory
    playbooks.runs.clear()
    return directory


def test_it_runs_the_restore_playbook_on_the_named_backup(four_node: Path, taken: Path,
                                                          playbooks):
    manifest = restore(four_node, taken.name, "openstack")
    assert manifest.name == taken.name
    assert playbooks.runs == [(["restore"], taken)]
    restore(four_node, str(taken), "openstack")  # by its path too
    assert len(playbooks.runs) == 2


def test_without_confirmation_it_lists_what_it_would_overwrite(four_node: Path, taken: Path,
                                                               playbooks, capsys):
    with pytest.raises(UsageError) as caught:
        restore(four_node, taken.name, "")
    assert caught.value.hint == "confirm with --confirm openstack"
    shown = capsys.readouterr().out
    assert "openstack1: databases keystone, nova" in shown
    assert "openstack1: configuration under /etc: keystone, nova" in shown
    assert "openstack3: configuration under /etc: nova" in shown
    assert "keystone's fernet and credential keys" in shown
    assert playbooks.runs == []


def test_a_backup_of_another_release_is_refused(four_node: Path, taken: Path, playbooks):
    four_node.write_text(four_node.read_text().replace("release: zed", "release: antelope"))
    with pytest.raises(BackupError, match="release zed"):
        restore(four_node, taken.name, "openstack")
    assert playbooks.runs == []


@pytest.mark.parametrize(("old", "new"), [("10.0.0.13", "10.0.0.19"),
                                            ("name: openstack\n", "name: other\n")])
def test_a_backup_of_another_deployment_is_refused(four_node: Path, taken: Path, playbooks,
                                                   old: str, new: str):
    text = four_node.read_text()
    assert old in text
    four_node.write_text(text.replace(old, new))
    with pytest.raises(BackupError, match=r"is a backup of deployment 'openstack' on nodes"):
        restore(four_node, taken, "other" if "other" in new else "openstack")
    assert playbooks.runs == []


def test_an_altered_backup_is_refused(four_node: Path, taken: Path, playbooks):
    (taken / "openstack3" / "config.tar.gz").write_bytes(b"tampered")
    with pytest.raises(BackupError, match="checksum differs"):
        restore(four_node, taken.name, "openstack")
    assert playbooks.runs == []


def test_a_changed_secrets_file_is_refused(four_node: Path, taken: Path, playbooks):
    secrets = four_node.with_name("four-node.secrets.yml")
    secrets.write_text(secrets.read_text() + "# edited\n")
    with pytest.raises(BackupError, match="differs from the one in the backup"):
        restore(four_node, taken.name, "openstack")
    assert playbooks.runs == []


def test_a_directory_that_is_no_backup_is_refused(four_node: Path, tmp_path: Path, playbooks):
    with pytest.raises(BackupError, match="is not a backup"):
        restore(four_node, tmp_path, "openstack")

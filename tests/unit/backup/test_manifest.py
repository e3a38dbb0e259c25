"""The manifest: parts by kind and checksum; what differs is found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from installer.backup.manifest import Manifest, collect_parts, identity, load, mismatches
from installer.errors import BackupError


def _backup(tmp_path: Path) -> tuple[Path, Manifest]:
    (tmp_path / "n1").mkdir()
    (tmp_path / "n1" / "config.tar.gz").write_bytes(b"config")
    (tmp_path / "secrets.yml").write_text("a: b\n")
    manifest = Manifest(name="x", created="now", deployment="d", release="zed",
                        identity="i", nodes=("n1",), databases=(),
                        parts=tuple(collect_parts(tmp_path)))
    manifest.write(tmp_path)
    return tmp_path, manifest


def test_it_reads_back_what_it_wrote(tmp_path: Path):
    directory, manifest = _backup(tmp_path)
    assert load(directory) == manifest
    assert mismatches(directory, manifest) == []
    assert [p.kind for p in manifest.parts] == ["config", "secrets"]


def test_altered_missing_and_unlisted_files_are_named(tmp_path: Path):
    directory, manifest = _backup(tmp_path)
    (directory / "n1" / "config.tar.gz").write_bytes(b"tampered")
    (directory / "secrets.yml").unlink()
    (directory / "n1" / "extra").write_text("x")
    assert mismatches(directory, manifest) == [
        "n1/config.tar.gz: checksum differs from the manifest",
        "secrets.yml: missing",
        "n1/extra: not in the manifest",
    ]


def test_an_unknown_file_is_no_part(tmp_path: Path):
    (tmp_path / "n1").mkdir()
    (tmp_path / "n1" / "core").write_text("x")
    with pytest.raises(BackupError, match="is not a part"):
        collect_parts(tmp_path)


def test_a_directory_without_a_valid_manifest_is_refused(tmp_path: Path):
    with pytest.raises(BackupError, match=r"no manifest\.json"):
        load(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "name": "x"}))
    with pytest.raises(BackupError, match="not a valid manifest"):
        load(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(BackupError, match="format 99"):
        load(tmp_path)


def test_the_identity_follows_the_name_and_the_nodes():
    base = identity("d", [("a", "10.0.0.1"), ("b", "10.0.0.2")])
    assert base == identity("d", [("b", "10.0.0.2"), ("a", "10.0.0.1")])
    assert base != identity("e", [("a", "10.0.0.1"), ("b", "10.0.0.2")])
    assert base != identity("d", [("a", "10.0.0.1"), ("b", "10.0.0.3")])

"""`stackinstall image build`: what it prints, and how a build error ends (exit 9)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from installer.cli import main
from installer.errors import GuestImageError
from installer.testbed.image import cli
from installer.testbed.image.build import GuestImage

IMAGE = GuestImage(
    path=Path("/var/cache/stackinstall/images/guest/k/disk.raw"), disk_format="raw",
    size_bytes=14680064, sha256="ab" * 32, kernel_version="6.1.0-56-amd64", built=False,
    kernel=Path("/k/vmlinuz"), initrd=Path("/k/initrd.img"), cmdline="console=ttyS0,115200",
    key="k", packages=(("busybox-static", "1:1.35.0-4"),), build_seconds=21.5,
)


def test_json_output(monkeypatch):
    seen = {}
    monkeypatch.setattr(cli, "build_image", lambda cache, force: seen.update(
        cache=cache, force=force) or IMAGE)
    result = CliRunner().invoke(main, ["image", "build", "--force", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["path"] == str(IMAGE.path) and data["cached"] is True
    assert data["built"] is False and data["size_bytes"] == 14680064
    assert data["kernel_version"] == "6.1.0-56-amd64" and data["disk_format"] == "raw"
    assert data["packages"] == {"busybox-static": "1:1.35.0-4"}
    assert seen == {"cache": None, "force": True}


def test_human_output_says_where_and_whether_cached(monkeypatch):
    monkeypatch.setattr(cli, "build_image", lambda cache, force: IMAGE)
    result = CliRunner().invoke(main, ["image", "build", "--cache-dir", "/tmp/x"])
    assert result.exit_code == 0
    assert "from cache" in result.output and str(IMAGE.path) in result.output
    assert "14.0 MiB" in result.output and "6.1.0-56-amd64" in result.output


def test_build_error_is_a_message_and_exit_9(monkeypatch):
    def fail(cache, force):
        raise GuestImageError("missing Debian packages: syslinux", hint="apt-get install")
    monkeypatch.setattr(cli, "build_image", fail)
    result = CliRunner().invoke(main, ["image", "build"])
    assert result.exit_code == 9
    assert "missing Debian packages: syslinux" in result.output
    assert "Traceback" not in result.output

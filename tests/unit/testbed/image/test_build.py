"""The image cache: build once, then hit; atomic, so a failed build leaves nothing behind."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace

import pytest

from installer.errors import GuestImageError
from installer.testbed.image import build
from tests.unit.testbed.image.test_inputs import BASE


class Fake:
    """Stands in for apt and the real assembly (the e2e test does the real build)."""

    def __init__(self, monkeypatch):
        self.inputs = BASE
        self.assembled: list[str] = []
        self.fail: Exception | None = None
        monkeypatch.setattr(build, "resolve_inputs", lambda cache: self.inputs)
        monkeypatch.setattr(build.host, "ensure_tools", lambda: [])
        monkeypatch.setattr(build, "_assemble", self.assemble)
        monkeypatch.setattr(build.packages, "forget_others", lambda packages, store: [])

    def assemble(self, inputs, debs, work, out):
        self.assembled.append(inputs.key())
        out.mkdir()
        (out / "vmlinuz").write_bytes(b"kernel")
        (out / "initrd.img").write_bytes(b"initrd")
        (out / "disk.raw").write_bytes(b"disk of " + inputs.key().encode())
        if self.fail:
            raise self.fail


@pytest.fixture
def fake(monkeypatch):
    return Fake(monkeypatch)


def test_first_call_builds_second_is_a_cache_hit(fake, tmp_path):
    first = build.build_image(tmp_path)
    assert first.built and first.path == tmp_path / BASE.key() / "disk.raw"
    assert first.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest()
    assert first.size_bytes == first.path.stat().st_size
    assert (first.disk_format, first.kernel_version) == ("raw", "6.1.0-56-amd64")
    started = time.monotonic()
    second = build.build_image(tmp_path)
    assert time.monotonic() - started < 1
    assert not second.built and second.path == first.path and second.sha256 == first.sha256
    assert fake.assembled == [BASE.key()]


def test_changed_input_builds_a_new_image(fake, tmp_path):
    build.build_image(tmp_path)
    fake.inputs = replace(BASE, files=(("init.sh", "changed"),))
    again = build.build_image(tmp_path)
    assert again.built and again.key != BASE.key() and len(fake.assembled) == 2


def test_failed_build_leaves_no_image_and_no_temporary_files(fake, tmp_path):
    fake.fail = GuestImageError("mkfs.vfat failed")
    with pytest.raises(GuestImageError, match=r"mkfs\.vfat failed"):
        build.build_image(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock"]
    fake.fail = None
    assert build.build_image(tmp_path).built


def test_force_rebuilds_in_place(fake, tmp_path):
    build.build_image(tmp_path)
    forced = build.build_image(tmp_path, force=True)
    assert forced.built and len(fake.assembled) == 2
    assert not any(p.name.startswith(".building") for p in tmp_path.iterdir())


def test_incomplete_entry_and_stale_leftovers_are_rebuilt_and_cleaned(fake, tmp_path):
    image = build.build_image(tmp_path)
    image.path.write_bytes(b"truncated")
    (tmp_path / ".building-dead-123").mkdir()
    again = build.build_image(tmp_path)
    assert again.built and not (tmp_path / ".building-dead-123").exists()


def test_only_the_newest_images_are_kept(fake, tmp_path):
    keys = []
    for n in range(build.KEEP + 2):
        fake.inputs = replace(BASE, recipe=f"r{n}")
        keys.append(build.build_image(tmp_path).key)
    kept = {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert kept == set(keys[-build.KEEP:])


def test_unwritable_cache_is_a_clean_error(fake, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(GuestImageError, match="cannot create the image cache"):
        build.build_image(blocker / "cache")


def test_default_cache_location():
    assert str(build.DEFAULT_CACHE) == "/var/cache/stackinstall/images/guest"

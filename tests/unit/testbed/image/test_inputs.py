"""The cache key: every input changes it; apt is asked again only when its state changed."""

from __future__ import annotations

import os
from dataclasses import replace

from installer.testbed.image import inputs
from installer.testbed.image.packages import Package

BASE = inputs.Inputs(
    kernel=Package("linux-image-6.1.0-56-amd64", "6.1.192-2"),
    userland=(Package("busybox-static", "1:1.35.0-4"), Package("dropbear-bin", "2022.83-1")),
    host_versions=(("syslinux", "3:6.04"),),
    files=(("init.sh", "aa"), ("build.py", "bb")),
)


def test_key_is_stable_and_ignores_package_order():
    same = replace(BASE, userland=tuple(reversed(BASE.userland)))
    assert BASE.key() == same.key() and len(BASE.key()) == 16


def test_every_input_changes_the_key():
    variants = [
        replace(BASE, kernel=Package("linux-image-6.1.0-56-amd64", "6.1.192-3")),
        replace(BASE, userland=(Package("busybox-static", "1:1.35.0-5"), BASE.userland[1])),
        replace(BASE, userland=(*BASE.userland, Package("libc6", "2.36"))),
        replace(BASE, host_versions=(("syslinux", "3:6.05"),)),
        replace(BASE, files=(("init.sh", "ab"), ("build.py", "bb"))),
        replace(BASE, files=(("init.sh", "aa"), ("build.py", "bc"))),
        replace(BASE, cmdline=BASE.cmdline + " debug"),
        replace(BASE, recipe="2"),
    ]
    keys = {BASE.key(), *(variant.key() for variant in variants)}
    assert len(keys) == len(variants) + 1


def test_the_init_script_is_hashed_into_the_key():
    files = dict(inputs.recipe_files())
    assert set(files) == set(inputs.RECIPE_FILES)
    assert all(len(digest) == 64 for digest in files.values())
    assert BASE.kernel_version == "6.1.0-56-amd64"


def test_apt_state_follows_the_lists(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    packages_file = lists / "deb.debian.org_debian_dists_bookworm_main_Packages.lz4"
    packages_file.write_text("one")
    before = inputs.apt_state((lists,))
    (lists / "lock").write_text("")
    assert inputs.apt_state((lists,)) == before
    packages_file.write_text("two!")
    assert inputs.apt_state((lists,)) != before


def test_apt_is_asked_once_while_its_state_is_unchanged(tmp_path, monkeypatch):
    asked: list[str] = []
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "Packages").write_text("v1")
    monkeypatch.setattr(inputs, "APT_STATE_DIRS", (lists,))

    def kernel(meta):
        asked.append(meta)
        return BASE.kernel

    monkeypatch.setattr(inputs.packages, "kernel_package", kernel)
    monkeypatch.setattr(inputs.packages, "with_dependencies", lambda roots: list(BASE.userland))
    monkeypatch.setattr(inputs.host, "installed_version", lambda name: "3:6.04")
    first = inputs.resolve_inputs(tmp_path)
    second = inputs.resolve_inputs(tmp_path)
    assert asked == ["linux-image-amd64"]
    assert first == second and first.userland == BASE.userland
    (lists / "Packages").write_text("v2")
    os.utime(lists / "Packages", ns=(0, 1))
    inputs.resolve_inputs(tmp_path)
    assert len(asked) == 2

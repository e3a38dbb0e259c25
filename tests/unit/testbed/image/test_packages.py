"""Reading apt's answers: candidate records, the versioned kernel, the dependency closure."""

from __future__ import annotations

import pytest

from installer.errors import GuestImageError
from installer.testbed.image import packages

SHOW = """Package: dropbear-bin
Version: 2022.83-1+deb12u3
Depends: libc6 (>= 2.34), libcrypt1 (>= 1:4.1.0),
 libtomcrypt1 (>= 1.18.2), zlib1g (>= 1:1.1.4) | zlib-ng:any
Description: lightweight SSH2 server and client - command line tools

Package: libc6
Version: 2.36-9+deb12u14
Pre-Depends: libgcc-s1
Depends: libgcc-s1

Package: libc6
Version: 2.36-9+deb12u4
"""


def test_records_continuation_lines_alternatives_and_first_record_wins():
    found = packages.parse_records(SHOW)
    assert found["dropbear-bin"].depends == ("libc6", "libcrypt1", "libtomcrypt1", "zlib1g")
    assert found["libc6"].version == "2.36-9+deb12u14"
    assert found["libc6"].pin == "libc6=2.36-9+deb12u14"


def fake_apt(monkeypatch, records: dict[str, str], calls: list[list[str]]) -> None:
    def run(argv, **_kwargs):
        calls.append(list(argv))
        names = argv[3:]
        return "\n\n".join(records[n] for n in names if n in records)
    monkeypatch.setattr(packages, "run", run)
    monkeypatch.setattr(packages.os, "geteuid", lambda: 1000)  # never apt-get update


def test_kernel_meta_package_resolves_to_the_versioned_image(monkeypatch):
    calls: list[list[str]] = []
    fake_apt(monkeypatch, {
        "linux-image-amd64": "Package: linux-image-amd64\nVersion: 6.1.192-2\n"
                             "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)",
        "linux-image-6.1.0-56-amd64": "Package: linux-image-6.1.0-56-amd64\n"
                                      "Version: 6.1.192-2\nDepends: kmod",
    }, calls)
    kernel = packages.kernel_package("linux-image-amd64")
    assert kernel.pin == "linux-image-6.1.0-56-amd64=6.1.192-2"


def test_dependency_closure_is_complete_and_sorted(monkeypatch):
    calls: list[list[str]] = []
    records = {
        "dropbear-bin": "Package: dropbear-bin\nVersion: 1\nDepends: libc6, libtomcrypt1",
        "busybox-static": "Package: busybox-static\nVersion: 2",
        "libtomcrypt1": "Package: libtomcrypt1\nVersion: 3\nDepends: libc6, libgmp10",
        "libc6": "Package: libc6\nVersion: 4\nDepends: libgcc-s1",
        "libgcc-s1": "Package: libgcc-s1\nVersion: 5\nDepends: libc6",
        "libgmp10": "Package: libgmp10\nVersion: 6",
    }
    fake_apt(monkeypatch, records, calls)
    closure = packages.with_dependencies(["busybox-static", "dropbear-bin"])
    assert [p.name for p in closure] == sorted(records)


def test_unknown_package_names_the_fix(monkeypatch):
    fake_apt(monkeypatch, {}, [])
    with pytest.raises(GuestImageError, match=r"not available.*busybox-static") as caught:
        packages.candidates(["busybox-static"])
    assert "apt-get update" in (caught.value.hint or "")


def test_downloads_are_kept_and_reused_by_version(monkeypatch, tmp_path):
    fetched: list[str] = []

    def run(argv, cwd=None, **_kwargs):
        for pin in argv[argv.index("download") + 1:]:
            if not pin.startswith("-") and "::" not in pin:
                name, version = pin.split("=", 1)
                fetched.append(pin)
                (cwd / f"{name}_{version.replace(':', '%3a')}_amd64.deb").write_bytes(b"deb")
        return ""

    monkeypatch.setattr(packages, "run", run)
    busybox = packages.Package("busybox-static", "1:1.35.0-4+deb12u1+b1")
    libc = packages.Package("libc6", "2.36-9+deb12u14")
    store = tmp_path / "debs"
    first = packages.download([busybox, libc], store)
    assert [p.name for p in first] == ["busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb",
                                       "libc6_2.36-9+deb12u14_amd64.deb"]
    newer = packages.Package("libc6", "2.36-9+deb12u15")
    packages.download([busybox, newer], store)
    assert fetched == [busybox.pin, libc.pin, newer.pin]
    assert [p.name for p in packages.forget_others([busybox, newer], store)] == [
        "libc6_2.36-9+deb12u14_amd64.deb"]
    assert not any(p.name.startswith(".incoming") for p in store.iterdir())


def test_download_that_yields_nothing_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setattr(packages, "run", lambda argv, **kwargs: "")
    with pytest.raises(GuestImageError, match="did not provide zlib1g=1"):
        packages.download([packages.Package("zlib1g", "1")], tmp_path)

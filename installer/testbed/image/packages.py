"""The Debian packages the guest is made of: resolve candidate versions, download, unpack.

Nothing is installed on the host: ``apt-get download`` fetches the exact candidate versions
into a directory and ``dpkg-deb -x`` unpacks them into a tree the image is assembled from.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from installer.errors import GuestImageError
from installer.testbed.image.host import run

_UPDATE_HINT = "run `apt-get update` (the package lists may be missing or stale)"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    depends: tuple[str, ...] = ()

    @property
    def pin(self) -> str:
        return f"{self.name}={self.version}"


def parse_records(text: str) -> dict[str, Package]:
    """``apt-cache show`` output -> {name: Package} (first record per name wins)."""
    found: dict[str, Package] = {}
    for record in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        last = ""
        for line in record.splitlines():
            if line[:1] in (" ", "\t") and last:
                fields[last] += " " + line.strip()
            elif ":" in line:
                last, _sep, value = line.partition(":")
                fields[last] = value.strip()
        name = fields.get("Package")
        if not name or name in found:
            continue
        depends = tuple(
            _first_alternative(part)
            for key in ("Pre-Depends", "Depends")
            for part in fields.get(key, "").split(",") if part.strip()
        )
        found[name] = Package(name, fields.get("Version", ""), depends)
    return found


def _first_alternative(relation: str) -> str:
    """``libc6 (>= 2.34) | libc6-udeb`` -> ``libc6``; ``foo:any`` -> ``foo``."""
    first = relation.split("|")[0].strip()
    return first.split()[0].split(":")[0]


def candidates(names: list[str], *, update: bool = True) -> dict[str, Package]:
    """The candidate version of each package; runs ``apt-get update`` once if one is missing."""
    found = parse_records(run(["apt-cache", "show", "--no-all-versions", *names], check=False))
    missing = [name for name in names if name not in found]
    if missing and update and os.geteuid() == 0:
        run(["apt-get", "update", "-q"], timeout=600, hint=_UPDATE_HINT)
        return candidates(names, update=False)
    if missing:
        raise GuestImageError(
            "Debian packages not available from the configured repositories: "
            + ", ".join(missing), hint=_UPDATE_HINT)
    return {name: found[name] for name in names}


def kernel_package(meta: str) -> Package:
    """The versioned kernel package a meta package (``linux-image-amd64``) depends on."""
    top = candidates([meta])[meta]
    images = [dep for dep in top.depends if dep.startswith("linux-image-")]
    if not images:
        raise GuestImageError(f"{meta} {top.version} depends on no linux-image-* package")
    return candidates([images[0]])[images[0]]


def with_dependencies(roots: list[str]) -> list[Package]:
    """``roots`` and everything they depend on (Depends and Pre-Depends, first alternatives)."""
    resolved: dict[str, Package] = {}
    pending = list(roots)
    while pending:
        batch = sorted({name for name in pending if name not in resolved})
        pending = []
        if not batch:
            break
        for name, package in candidates(batch).items():
            resolved[name] = package
            pending.extend(dep for dep in package.depends if dep not in resolved)
    return [resolved[name] for name in sorted(resolved)]


def deb_name(package: Package, arch: str = "*") -> str:
    """apt's file name for a package version (an epoch's ':' is written %3a)."""
    return f"{package.name}_{package.version.replace(':', '%3a')}_{arch}.deb"


def download(packages: list[Package], store: Path) -> list[Path]:
    """The .deb of each package version, fetched into ``store`` unless already there.

    A (name, version) names one immutable file in the Debian archive, so kept files are
    reused by later builds. apt-get download verifies them against the package lists, into
    a private directory; only complete files are moved into ``store``. Nothing is installed.
    """
    store.mkdir(parents=True, exist_ok=True)
    have = {package: next(iter(sorted(store.glob(deb_name(package)))), None)
            for package in packages}
    missing = [package for package, path in have.items() if path is None]
    if missing:
        incoming = store / f".incoming-{os.getpid()}"
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir()
        try:
            argv = ["apt-get", "download", "-q"]
            if os.geteuid() == 0:  # the _apt sandbox user cannot write into a private dir
                argv += ["-o", "APT::Sandbox::User=root"]
            run([*argv, *(package.pin for package in missing)], cwd=incoming, timeout=900,
                hint="check that the Debian mirror is reachable; " + _UPDATE_HINT)
            for deb in incoming.glob("*.deb"):
                os.replace(deb, store / deb.name)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
        have = {package: next(iter(sorted(store.glob(deb_name(package)))), None)
                for package in packages}
    absent = [package.pin for package, path in have.items() if path is None]
    if absent:
        raise GuestImageError("apt-get download did not provide " + ", ".join(absent))
    return [path for path in have.values() if path is not None]


def forget_others(packages: list[Package], store: Path) -> list[Path]:
    """Delete the kept .deb files of any other package versions; return what was deleted."""
    keep = {path for package in packages for path in store.glob(deb_name(package))}
    stale = [path for path in store.glob("*.deb") if path not in keep]
    for path in stale:
        path.unlink()
    return stale


def unpack(debs: list[Path], root: Path) -> None:
    """Unpack each .deb's files into ``root`` (maintainer scripts are not run)."""
    root.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        run(["dpkg-deb", "-x", str(deb), str(root)], timeout=300)

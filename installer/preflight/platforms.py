"""Which operating systems a node may run, and which OpenStack releases each one installs.

The table is the service catalogue's support matrix (installer/catalogue/catalogue.yml,
``platforms``), which the answer-file schema and the repos role's check read too.
"""

from __future__ import annotations

from dataclasses import dataclass

from installer import catalogue

#: (family, version) -> OpenStack releases. Ubuntu versions are "22.04"; others the major.
PLATFORMS: dict[tuple[str, str], tuple[str, ...]] = {
    (family, version): releases
    for family, versions in catalogue.load().platforms.items()
    for version, releases in versions.items()
}

_REDHAT_IDS = frozenset({"rhel", "rocky", "almalinux", "centos", "fedora"})


@dataclass(frozen=True)
class Platform:
    """A node's operating system as /etc/os-release describes it."""

    family: str  # debian | ubuntu | redhat | the os-release ID when unknown
    version: str  # the key of PLATFORMS ("12", "22.04", "9")
    pretty: str

    @property
    def label(self) -> str:
        return self.pretty or f"{self.family} {self.version}"


def parse_os_release(text: str) -> Platform:
    """The platform of an /etc/os-release file's text."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"').strip("'")
    os_id = values.get("ID", "").lower()
    like = set(values.get("ID_LIKE", "").lower().split())
    version = values.get("VERSION_ID", "")
    if os_id == "ubuntu":
        family = "ubuntu"
    elif os_id == "debian" or "debian" in like:
        family = "debian"
    elif os_id in _REDHAT_IDS or like & {"rhel", "fedora", "centos"}:
        family = "redhat"
    else:
        family = os_id or "unknown"
    if family != "ubuntu":
        version = version.split(".")[0]
    return Platform(family, version, values.get("PRETTY_NAME", ""))


def releases_for(family: str, version: str) -> tuple[str, ...]:
    """The releases a platform installs."""
    return PLATFORMS.get((family, version), ())


def platforms_for(distro: str, release: str) -> list[str]:
    """'family version' of every platform that installs ``release`` (distro auto: any)."""
    return [f"{family} {version}" for family, version in PLATFORMS
            if distro in ("auto", family) and release in releases_for(family, version)]

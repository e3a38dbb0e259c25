"""Which operating systems a node may run, and which OpenStack releases each one installs.

One table, keyed by (distro family, version), in step with roles/repos/vars/main.yml
(``__repos_supported``). A release listed here counts only while the answer file's
validation (installer/answers/schema.py ``SUPPORT_MATRIX``) accepts it for the family too,
so an entry may be added here ahead of the roles without letting an unsupported pair through.
"""

from __future__ import annotations

from dataclasses import dataclass

from installer.answers.schema import SUPPORT_MATRIX

#: (family, version) -> OpenStack releases. Ubuntu versions are "22.04"; others the major.
PLATFORMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("debian", "12"): ("zed",),
    ("debian", "13"): ("epoxy",),
    ("ubuntu", "22.04"): ("zed", "antelope", "bobcat", "caracal"),
    ("ubuntu", "24.04"): ("caracal", "dalmatian", "epoxy"),
    ("redhat", "9"): ("zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy"),
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
    """The releases a platform installs today (the table, limited by the validation)."""
    allowed = SUPPORT_MATRIX.get(family, ())
    return tuple(r for r in PLATFORMS.get((family, version), ()) if r in allowed)


def platforms_for(distro: str, release: str) -> list[str]:
    """'family version' of every platform that installs ``release`` (distro auto: any)."""
    return [f"{family} {version}" for family, version in PLATFORMS
            if distro in ("auto", family) and release in releases_for(family, version)]

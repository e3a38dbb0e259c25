"""The host's Debian mirrors, so the image and the nodes use the same registry as the host."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from installer import catalogue

DEBIAN_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
SOURCES_LIST = Path("/etc/apt/sources.list")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY = "http://deb.debian.org/debian-security"
SUITE = "bookworm"
#: Debian suites a lab can build nodes of, and their Debian versions.
SUITE_VERSIONS: dict[str, str] = {"bookworm": "12", "trixie": "13"}
#: The OpenStack release each suite ships (the service catalogue's native_releases).
SUITE_RELEASES: dict[str, str] = {
    suite: catalogue.load().native_releases["debian"][version]
    for suite, version in SUITE_VERSIONS.items()
}
SUITES: tuple[str, ...] = tuple(SUITE_RELEASES)


def suite_for_release(release: str) -> str | None:
    """The Debian suite that ships OpenStack ``release`` natively, or None."""
    for suite, shipped in SUITE_RELEASES.items():
        if shipped == release:
            return suite
    return None


@dataclass(frozen=True)
class Mirrors:
    """The main archive and the security archive, as base URLs without a trailing slash."""

    main: str = DEFAULT_MIRROR
    security: str = DEFAULT_SECURITY


def parse_deb822(text: str) -> list[dict[str, str]]:
    """Stanzas of a deb822 file as dicts (comments dropped, keys as written)."""
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last_key = ""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                stanzas.append(current)
                current = {}
            continue
        if line[0] in " \t" and last_key:
            current[last_key] += " " + line.strip()
            continue
        key, _, value = line.partition(":")
        last_key = key.strip()
        current[last_key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def mirrors_from_deb822(text: str) -> Mirrors:
    main = security = ""
    for stanza in parse_deb822(text):
        if "deb" not in stanza.get("Types", "").split():
            continue
        uris = stanza.get("URIs", "").split()
        suites = stanza.get("Suites", "").split()
        if not uris:
            continue
        if any(s.endswith("-security") for s in suites):
            security = security or uris[0]
        else:
            main = main or uris[0]
    return Mirrors(
        main=(main or DEFAULT_MIRROR).rstrip("/"),
        security=(security or DEFAULT_SECURITY).rstrip("/"),
    )


def mirrors_from_list(text: str) -> Mirrors:
    main = security = ""
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 3 or parts[0] != "deb":
            continue
        fields = [p for p in parts[1:] if not p.startswith("[")]
        uri, suite = fields[0], fields[1]
        if suite.endswith("-security") or "/updates" in suite:
            security = security or uri
        else:
            main = main or uri
    return Mirrors(
        main=(main or DEFAULT_MIRROR).rstrip("/"),
        security=(security or DEFAULT_SECURITY).rstrip("/"),
    )


def host_mirrors(
    deb822: Path = DEBIAN_SOURCES, one_line: Path = SOURCES_LIST
) -> Mirrors:
    """The mirrors the host uses: debian.sources first, then sources.list, then the defaults."""
    if deb822.is_file():
        return mirrors_from_deb822(deb822.read_text())
    if one_line.is_file():
        return mirrors_from_list(one_line.read_text())
    return Mirrors()


def node_sources(mirrors: Mirrors, suite: str = SUITE) -> str:
    """deb822 sources for a node: the suite, its updates and its security suite."""
    keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    return (
        "# Written by stackinstall lab: the same mirrors as the lab host, through its apt proxy.\n"
        f"Types: deb\nURIs: {mirrors.main}\nSuites: {suite} {suite}-updates\n"
        f"Components: main\nSigned-By: {keyring}\n\n"
        f"Types: deb\nURIs: {mirrors.security}\nSuites: {suite}-security\n"
        f"Components: main\nSigned-By: {keyring}\n"
    )

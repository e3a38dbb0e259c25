"""The tempest skip list: tests that cannot pass here for a known reason outside this project.

The file (``tempest/skip-list.txt`` in the repository) is stestr's exclude-list format, one
regular expression a line, matched with ``re.search`` against test ids, plus the rule this
project adds: every entry carries its reason, as the comment line(s) right above it or as a
trailing ``# comment``. Comment blocks followed by a blank line are prose, not reasons. A
comment line ``# releases: zed, epoxy`` among an entry's reason lines limits it to those
OpenStack releases (the reason differs per release, or holds for one only); an entry without
one applies to every release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import installer
from installer.errors import VerifyError

#: The skip list kept in the repository (installed as share/stackinstall/tempest/).
DEFAULT_SKIP_LIST = installer.PROJECT_ROOT / "tempest" / "skip-list.txt"
RELEASES = re.compile(r"releases?:\s*(?P<names>[a-z][a-z, ]*)$")


@dataclass(frozen=True)
class SkipEntry:
    pattern: str
    reason: str
    line: int
    #: the OpenStack releases it applies to; empty: every release
    releases: tuple[str, ...] = ()

    def applies_to(self, release: str | None) -> bool:
        return not self.releases or release is None or release in self.releases


def parse_skip_list(text: str, source: str = "skip list") -> list[SkipEntry]:
    """The entries of a skip list; an entry without a reason or a bad regex is an error."""
    entries: list[SkipEntry] = []
    comments: list[str] = []
    releases: Sequence[str] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            comments, releases = [], ()
            continue
        if line.startswith("#"):
            comment = line.lstrip("#").strip()
            if found := RELEASES.match(comment):
                releases = [r.strip() for r in found["names"].split(",") if r.strip()]
            else:
                comments.append(comment)
            continue
        pattern, _hash, trailing = line.partition("#")
        pattern = pattern.strip()
        reason = " ".join(part for part in (*comments, trailing.strip()) if part)
        comments, entry_releases, releases = [], tuple(releases), ()
        if not reason:
            raise VerifyError(
                f"{source}:{number}: entry {pattern!r} has no reason",
                hint="put the known, external reason in a comment line right above it",
            )
        try:
            re.compile(pattern)
        except re.error as exc:
            raise VerifyError(f"{source}:{number}: {pattern!r} is not a regular expression: "
                              f"{exc}") from None
        entries.append(SkipEntry(pattern, reason, number, entry_releases))
    return entries


def load_skip_list(path: Path = DEFAULT_SKIP_LIST,
                   release: str | None = None) -> list[SkipEntry]:
    """The entries of the skip list at ``path`` that apply to ``release`` (None: all)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VerifyError(f"the tempest skip list {path} is missing",
                          hint="reinstall stackinstall (it ships tempest/skip-list.txt)") from None
    return [e for e in parse_skip_list(text, str(path)) if e.applies_to(release)]


def exclude_list_text(entries: Iterable[SkipEntry]) -> str:
    """What ``tempest run --exclude-list`` reads: the patterns, each with its reason."""
    return "".join(f"{e.pattern}  # {e.reason}\n" for e in entries)


def excluded(test_ids: Iterable[str], entries: Iterable[SkipEntry]) -> Mapping[str, SkipEntry]:
    """test id -> the first entry that excludes it (stestr's rule: ``re.search``)."""
    compiled = [(re.compile(e.pattern), e) for e in entries]
    found: dict[str, SkipEntry] = {}
    for test_id in test_ids:
        for regex, entry in compiled:
            if regex.search(test_id):
                found[test_id] = entry
                break
    return found

"""Commands the test bed runs on this host, and the Debian package behind each: one home for
the lab's host checks (:mod:`installer.testbed.lab.checks`) and the guest image build's
(:mod:`installer.testbed.image.host`)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

#: Where the tools are looked for (root's PATH, whatever the caller's is).
SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Tool:
    command: str
    package: str


def missing_packages(tools: tuple[Tool, ...]) -> list[str]:
    """The Debian packages of the tools not found on this host, each once, in order."""
    packages: list[str] = []
    for tool in tools:
        if shutil.which(tool.command, path=SEARCH_PATH) is None and tool.package not in packages:
            packages.append(tool.package)
    return packages

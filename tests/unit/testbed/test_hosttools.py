"""The test bed's host tools: which Debian packages are missing."""

from __future__ import annotations

from installer.testbed import hosttools
from installer.testbed.hosttools import Tool
from installer.testbed.image import host
from installer.testbed.lab import checks


def test_missing_packages_names_each_package_once_in_order() -> None:
    tools = (Tool("sh", "dash"), Tool("no-such-tool-xyz", "pkg-b"),
             Tool("no-such-tool-abc", "pkg-b"), Tool("no-such-tool-q", "pkg-a"))
    assert hosttools.missing_packages(tools) == ["pkg-b", "pkg-a"]


def test_the_lab_and_the_image_build_share_one_tool_type() -> None:
    assert checks.Tool is host.Tool is Tool
    assert all(isinstance(t, Tool) for t in (*checks.TOOLS, *host.TOOLS))

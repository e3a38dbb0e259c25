"""A non-editable install (a wheel) carries every file of the package that is not Python:
pyproject.toml's package-data names each one (a wheel installed on a node once lacked
verify's pytest.ini, and verify's node checks could not start)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_package_data_covers_every_non_python_file_of_installer() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["installer"]
    package = REPO / "installer"
    files = [p.relative_to(package).as_posix() for p in package.rglob("*")
             if p.is_file() and p.suffix not in (".py", ".pyc")
             and "__pycache__" not in p.parts]
    assert files, "no data files found: the test looks in the wrong place"
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == [], f"add them to [tool.setuptools.package-data] installer: {missing}"

"""Ship roles/, playbooks/, tempest/ and templates/ as data files (share/stackinstall/...) for
non-editable installs.

Everything else is declared in pyproject.toml; this only lists the Ansible content, the
tempest skip list and the Jinja templates, because setuptools' data-files cannot walk
directory trees by itself.
"""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent


def _tree(top: str) -> list[tuple[str, list[str]]]:
    out: dict[str, list[str]] = {}
    for path in sorted((HERE / top).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(HERE)
            out.setdefault(f"share/stackinstall/{rel.parent}", []).append(str(rel))
    return list(out.items())


setup(data_files=_tree("roles") + _tree("playbooks") + _tree("tempest") + _tree("templates"))

"""`pip install .` gives a working `stackinstall` that carries roles/ and playbooks/."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import site
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_install_has_cli_and_ansible_content(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "__pycache__", "build", "deployments"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    # the dependencies come from this test run's environment; the project itself is built fresh
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True, text=True)
    Path(purelib.stdout.strip(), "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(src)], check=True,
                   cwd=tmp_path)
    cli = venv / "bin" / "stackinstall"
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "HOME": str(tmp_path)}

    def run(*args: str) -> str:
        done = subprocess.run([str(cli), *args], cwd=work, env=env, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr + done.stdout
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    assert "answers" in run("--help")
    out = run("answers", "generate", "-o", "answers.yml")
    secrets = (work / "answers.secrets.yml").read_text()
    assert stat.S_IMODE((work / "answers.secrets.yml").stat().st_mode) == 0o600
    values = [line.split(": ", 1)[1] for line in secrets.splitlines() if ": " in line
              and not line.startswith("#")]
    assert values and not any(v in out for v in values)
    run("answers", "validate", "answers.yml")
    run("render", "answers.yml")
    assert (work / "deployments/openstack/inventory/hosts.yml").is_file()
    root = subprocess.run([str(py), "-c", "import installer; print(installer.PROJECT_ROOT)"],
                          check=True, capture_output=True, text=True, cwd=tmp_path).stdout.strip()
    assert root == str(venv / "share" / "stackinstall")
    assert (Path(root) / "playbooks" / "site.yml").is_file()
    assert (Path(root) / "roles").is_dir()
    assert (Path(root) / "tempest" / "skip-list.txt").is_file()
    shipped = {str(p.relative_to(Path(root) / "templates"))
               for p in (Path(root) / "templates").rglob("*") if p.is_file()}
    in_tree = {str(p.relative_to(REPO / "templates"))
               for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert "answers.yml.j2" in shipped and "inventory/hosts.yml.j2" in shipped
    assert shipped == in_tree  # every template answers generate and render fill
    installed = Path(root) / "templates" / "inventory" / "hosts.yml.j2"
    installed.write_text(installed.read_text() + "# from the installed template\n")
    run("render", "answers.yml")  # the install renders through its own copy
    assert (work / "deployments/openstack/inventory/hosts.yml").read_text().endswith(
        "# from the installed template\n")


# -- the dependency split: the core, and the test bed's extra ---------------------------------

def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[;\s]", r, maxsplit=1)[0].lower() for r in requirements}


def _third_party_imports(files: list[Path]) -> set[str]:
    """Top-level modules imported by ``files`` that are neither stdlib nor installer."""
    found: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.partition(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.partition(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "installer"}


def _distributions(modules: set[str]) -> set[str]:
    dists = importlib.metadata.packages_distributions()
    return {dists[m][0].lower() for m in modules}


def test_the_core_needs_no_selenium_and_the_testbed_extra_brings_it() -> None:
    project = _project()
    core = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert "selenium" not in core
    assert "selenium" in _names(extras["testbed"])
    assert "jinja2" in core
    assert "stackinstall[testbed]" in extras["dev"]


def test_each_part_declares_what_it_imports() -> None:
    project = _project()
    core = _names(project["dependencies"])
    testbed = _names(project["optional-dependencies"]["testbed"])
    package = REPO / "installer"
    testbed_files = sorted((package / "testbed").rglob("*.py"))
    core_files = sorted(set(package.rglob("*.py")) - set(testbed_files))
    core_needs = _distributions(_third_party_imports(core_files))
    assert core_needs <= core, f"the core imports {sorted(core_needs - core)} undeclared"
    testbed_needs = _distributions(_third_party_imports(testbed_files))
    assert testbed_needs - core <= testbed, (
        f"the test bed imports {sorted(testbed_needs - core - testbed)} undeclared")
    assert testbed_needs - core, "the testbed extra is needed for something"
    assert "pytest-testinfra" in core_needs and "selenium" in testbed_needs

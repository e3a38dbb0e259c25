"""`pip install .` gives a working `stackinstall` that carries roles/ and playbooks/."""

from __future__ import annotations

import os
import shutil
import site
import stat
import subprocess
import sys
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

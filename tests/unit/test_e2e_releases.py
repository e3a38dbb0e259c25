"""Which releases the end-to-end tier deploys (tests/e2e/deploycli.py): both, in every run,
whatever the checkout; only STACKINSTALL_E2E_RELEASES narrows a local run. A commit's CI
result must depend on its content alone, so the selection must never ask git (it once picked
one release by the parity of ``git rev-list --count HEAD``)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

DEPLOYCLI = Path(__file__).resolve().parents[1] / "e2e" / "deploycli.py"
BOTH = ("zed", "epoxy")


def load_deploycli() -> ModuleType:
    """A fresh copy of the e2e helper module (its import runs again, under today's PATH)."""
    spec = importlib.util.spec_from_file_location("deploycli_under_test", DEPLOYCLI)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Put a git first on PATH that answers any command with the commit count it is given
    and logs each call; returns a function that sets the count and the log's path."""
    bin_dir, log = tmp_path / "bin", tmp_path / "git-calls"
    bin_dir.mkdir()
    git = bin_dir / "git"
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.delenv("STACKINSTALL_E2E_RELEASES", raising=False)

    def with_count(count: int) -> Path:
        git.write_text(f'#!/bin/sh\necho "$*" >> {log}\necho {count}\n')
        git.chmod(0o755)
        log.unlink(missing_ok=True)
        return log

    return with_count


def test_the_fake_git_is_the_one_a_caller_would_run(fake_git):
    """The check below can fail: a selection that ran git would get these counts and leave
    this log."""
    log = fake_git(7)
    assert shutil.which("git") == str(log.parent / "bin" / "git")
    done = subprocess.run(["git", "rev-list", "--count", "HEAD"], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "7"
    assert log.read_text().split() == ["rev-list", "--count", "HEAD"]


def test_odd_and_even_commit_counts_deploy_both_releases_and_git_is_never_run(fake_git):
    chosen = {}
    for count in (7, 8):  # odd once picked Epoxy alone, even Zed alone
        log = fake_git(count)
        deploycli = load_deploycli()
        chosen[count] = (deploycli.releases_to_deploy(),
                         [deploycli.skip_unless_deployed(r).args[0] for r in BOTH])
        assert not log.exists(), f"the selection ran git: {log.read_text()}"
    assert chosen[7] == chosen[8] == (BOTH, [False, False])
    assert deploycli.RELEASES == BOTH


@pytest.mark.parametrize(("value", "expected"), [
    ("zed", ("zed",)), ("epoxy", ("epoxy",)), ("epoxy,zed", BOTH), (" zed , epoxy ", BOTH),
    ("", BOTH),
])
def test_the_variable_narrows_a_local_run(fake_git, monkeypatch, value, expected):
    log = fake_git(8)
    monkeypatch.setenv("STACKINSTALL_E2E_RELEASES", value)
    deploycli = load_deploycli()
    assert deploycli.releases_to_deploy() == expected
    skipped = {r for r in BOTH if deploycli.skip_unless_deployed(r).args[0]}
    assert skipped == set(BOTH) - set(expected)
    assert not log.exists()


def test_a_narrowed_release_says_why_it_is_skipped(fake_git, monkeypatch):
    fake_git(7)
    monkeypatch.setenv("STACKINSTALL_E2E_RELEASES", "zed")
    mark = load_deploycli().skip_unless_deployed("epoxy")
    assert mark.args[0] is True
    assert "STACKINSTALL_E2E_RELEASES=zed" in mark.kwargs["reason"]


def test_an_unknown_release_names_the_variable_and_the_choices(fake_git, monkeypatch):
    fake_git(7)
    monkeypatch.setenv("STACKINSTALL_E2E_RELEASES", "zed,antelope")
    with pytest.raises(ValueError, match=r"STACKINSTALL_E2E_RELEASES: unknown \['antelope'\]; "
                                         r"use zed, epoxy"):
        load_deploycli().releases_to_deploy()

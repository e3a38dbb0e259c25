"""The core loads the test bed only through installer.extras: without its extra, a clean error."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

import installer.cli
from installer import extras
from installer.cli import main
from installer.errors import StackInstallError
from installer.extras import TESTBED_INSTALL


@pytest.fixture
def no_selenium(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a host where `pip install stackinstall` left the testbed extra out."""
    for name in [m for m in sys.modules if m == "selenium" or m.startswith("selenium.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "selenium", None)  # `import selenium` now fails
    monkeypatch.delitem(sys.modules, "installer.testbed.browser", raising=False)


def test_a_missing_testbed_dependency_names_the_extra(no_selenium: None) -> None:
    with pytest.raises(StackInstallError) as caught:
        extras.testbed("browser")
    assert "selenium" in caught.value.message
    assert TESTBED_INSTALL in (caught.value.hint or "")
    assert TESTBED_INSTALL == "pip install 'stackinstall[testbed]'"


def test_the_testbed_loads_when_present() -> None:
    assert extras.testbed("tempest.run").Selection is not None


def test_other_import_errors_are_not_hidden() -> None:
    with pytest.raises(ModuleNotFoundError):
        extras.testbed("no_such_module_here").__name__  # noqa: B018
    assert "installer.testbed.no_such_module_here" not in sys.modules


def test_verify_browser_without_the_extra_fails_before_any_check(no_selenium: None,
                                                                 tmp_path) -> None:
    answers = tmp_path / "answers.yml"  # never read: the option fails first
    result = CliRunner().invoke(main, ["verify", str(answers), "--browser"])
    assert result.exit_code == 1, result.output
    assert TESTBED_INSTALL in result.output
    assert "Traceback" not in result.output


def test_a_testbed_command_without_the_extra_is_a_clean_error(monkeypatch) -> None:
    def missing(module: str) -> object:
        raise StackInstallError(f"installer.testbed.{module} needs the test bed",
                                hint=f"install it with `{TESTBED_INSTALL}`")

    monkeypatch.setattr(installer.cli, "testbed", missing)
    monkeypatch.delitem(main.commands, "lab", raising=False)
    result = CliRunner().invoke(main, ["lab", "up", "--nodes", "2"])
    assert result.exit_code == 1, result.output
    assert TESTBED_INSTALL in result.output
    listing = CliRunner().invoke(main, ["--help"])
    assert "lab" in listing.output and "Not installed" in listing.output

"""Run the node checks (``installer/verify/nodetests``) with pytest and collect the results.

pytest-xdist runs the nodes in parallel (each node's checks on one worker, one SSH master
per node), pytest's own ``--junitxml`` writes their JUnit, and :class:`Collector` turns the
reports (``installer.verify.plugin`` put the check, node and message in them) into
:class:`CheckResult` rows in node order, then check order.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Collection, Sequence
from pathlib import Path

import pytest

from installer.errors import VerifyError
from installer.verify import plugin
from installer.verify.nodetests import HERE
from installer.verify.result import BLOCKED, FAIL, PASS, CheckResult, Progress, unheard

#: At most this many xdist workers (one per node up to it).
MAX_WORKERS = 8


class Collector:
    """pytest plugin (in the controlling process): one result per (node, check)."""

    def __init__(self, progress: Progress = unheard) -> None:
        self.found: dict[tuple[str, str], tuple[int, CheckResult]] = {}
        self.progress = progress

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if plugin.CHECK not in props:
            return
        key = (str(props[plugin.NODE]), str(props[plugin.CHECK]))
        self._record(key, props, report)
        if report.when == "teardown" and key in self.found:  # the check's last report
            self.progress(self.found[key][1])

    def _record(self, key: tuple[str, str], props: dict[str, object],
                report: pytest.TestReport) -> None:
        decided = report.when == "call" or (report.when == "setup" and not report.passed)
        if not decided and not (report.when == "teardown" and report.failed):
            return
        if report.when == "teardown" and key in self.found and not self.found[key][1].ok:
            return
        status = PASS if report.passed else BLOCKED if report.skipped else FAIL
        self.found[key] = (int(props[plugin.SEQ]), CheckResult(
            check=key[1], node=key[0], status=status,
            message=str(props.get(plugin.MESSAGE, "")), where=str(props[plugin.WHERE]),
            duration_s=report.duration if report.when == "call" else 0.0))

    def results(self, nodes: list[str]) -> list[CheckResult]:
        order = {name: i for i, name in enumerate(nodes)}
        ranked = sorted(self.found.values(),
                        key=lambda found: (order.get(found[1].node, len(order)), found[0]))
        return [result for _, result in ranked]


def arguments(deploy_dir: Path, nodes: Collection[str], control: Path,
              junit: Path | None, tests: Path = HERE) -> list[str]:
    """pytest's command line for verify's node checks (those in ``tests``)."""
    workers = min(len(nodes), MAX_WORKERS)
    argv = [str(tests), "-c", str(HERE / "pytest.ini"), "--rootdir", str(tests),
            "-p", "installer.verify.plugin", "-p", "no:cacheprovider",
            # testinfra's own plugin would parametrize its `host` over --hosts instead
            "-p", "no:pytest11.testinfra",
            "--import-mode=importlib", "-W", "ignore::pytest.PytestAssertRewriteWarning",
            "--deployment", str(deploy_dir), "--control-dir", str(control), "-q",
            *[f"--node={name}" for name in nodes]]
    argv += ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else ["-p", "no:xdist"]
    if junit is not None:
        argv.append(f"--junitxml={junit}")
    return argv


def run_node_checks(deploy_dir: Path, nodes: list[str], control: Path,
                    junit: Path | None = None, *, tests: Path = HERE,
                    options: Sequence[str] = (),
                    progress: Progress = unheard) -> list[CheckResult]:
    """Every node check of ``tests`` that applies to ``nodes`` (names, in the order to report
    them); ``options`` are more pytest options (the unit tests give ``--local``);
    ``progress`` hears of each check as pytest finishes it."""
    if not nodes:
        return []
    collector = Collector(progress)
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        argv = [*arguments(deploy_dir, nodes, control, junit, tests), *options]
        code = pytest.main(argv, plugins=[collector])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                    pytest.ExitCode.NO_TESTS_COLLECTED):
        tail = "\n".join(said.getvalue().strip().splitlines()[-15:])
        raise VerifyError(f"the node checks did not run (pytest exit {int(code)}): {tail}",
                          hint="run again with --debug; this is a bug of stackinstall verify")
    return collector.results(nodes)

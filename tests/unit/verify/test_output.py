"""What an operator's log shows of verify at 80 columns: one line per check as it ends, and
a final table whose every check keeps its node and status visible (rendered by rich as on a
pipe, and through the real CLI writing to a pipe)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import yaml
from rich.console import Console

from installer.console import THEME
from installer.paths import DeployPaths
from installer.verify.report import listing, progress_line, progress_to, table
from installer.verify.result import CheckResult

SYMBOLS = {"pass": "✓", "fail": "✗", "blocked": "!"}
STATUSES = ("pass", "fail", "blocked")
#: Names as long as verify's own (a smoke step is the longest).
CHECKS = ["hostname", "mariadb no anonymous users", "api L2 agents wire guest ports",
          "neutron-openvswitch-agent services", "neutron L2 agent loop",
          "smoke: create a network, subnet and router on the external network"]
FOUR = ["openstack1", "openstack2", "openstack3", "openstack4"]


def _results(nodes: list[str]) -> list[CheckResult]:
    return [CheckResult(check, node, STATUSES[(i + j) % 3], f"m{i}{j}")
            for i, check in enumerate(CHECKS) for j, node in enumerate(nodes)]


def _lines(renderable: object, width: int = 80) -> list[str]:
    console = Console(width=width, force_terminal=False, record=True, theme=THEME,
                      file=io.StringIO())
    console.print(renderable)
    return console.export_text().splitlines()


def _cell(line: str, header: str, node: str) -> str:
    """The text of ``line`` under ``node``'s header."""
    start = header.index(node)
    return line[start:start + len(node)].strip()


def _bare(text: str) -> str:
    return "".join(text.split())


def _rows(lines: list[str], nodes: list[str]) -> dict[str, str]:
    """Each check of a rendered matrix (its wrapped name joined again, without spaces: a long
    word is folded) -> its first line."""
    header = next(line for line in lines if line.startswith("┃ check"))
    rows: dict[str, str] = {}
    name = ""
    for line in lines:
        if not line.startswith("│ "):
            continue
        part = "".join(line.split("│")[1].split())
        if any(_cell(line, header, n) for n in nodes):
            name = part
            rows[name] = line
        else:  # the check's name wrapped onto this line
            rows[name + part] = rows.pop(name)
            name += part
    return rows


def test_the_matrix_keeps_each_node_column_at_80_columns() -> None:
    results = _results(FOUR)
    lines = _lines(table(results, FOUR, 80))
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.startswith("┃ check"))
    assert all(node in header for node in FOUR)
    rows = _rows(lines, FOUR)
    assert set(rows) == {_bare(c) for c in CHECKS}
    for r in results:
        assert _cell(rows[_bare(r.check)], header, r.node) == SYMBOLS[r.status], r


def test_nodes_that_do_not_fit_get_one_line_per_result() -> None:
    nodes = [f"compute-node-{n:02d}" for n in range(6)]
    results = _results(nodes)
    assert table(results, nodes, 80).columns[0].header == "node"
    lines = _lines(table(results, nodes, 80))
    assert max(len(line) for line in lines) <= 80
    words = {"pass": "pass", "fail": "FAIL", "blocked": "BLOCKED"}
    for r in results:
        assert any(r.node in line and f"{SYMBOLS[r.status]} {words[r.status]}" in line
                   and r.check[:30] in line for line in lines), r
    # node by node, in the order given
    firsts = [next(i for i, line in enumerate(lines) if n in line) for n in nodes]
    assert firsts == sorted(firsts)


def test_a_wide_console_keeps_the_matrix() -> None:
    nodes = [f"compute-node-{n:02d}" for n in range(6)]
    assert table(_results(nodes), nodes, 200).columns[0].header == "check"
    assert listing(_results(nodes)).columns[0].header == "node"


def test_a_progress_line_says_status_node_check_and_why_it_failed() -> None:
    ok = CheckResult("hostname", "openstack1", "pass", "openstack1")
    assert progress_line(ok) == "pass    openstack1  hostname"
    bad = CheckResult("mariadb active", "openstack1", "fail", "unit\nmariadb  is inactive")
    assert progress_line(bad) == "FAIL    openstack1  mariadb active: unit mariadb is inactive"
    long = CheckResult("x", "n", "blocked", "y" * 500)
    assert progress_line(long).endswith("y" * 200 + "…")


def test_progress_lines_are_never_wrapped(tmp_path: Path) -> None:
    path = tmp_path / "log"
    with path.open("w") as log:
        tell = progress_to(Console(file=log, width=40, force_terminal=False))
        tell(CheckResult("a check with a long name", "openstack1", "fail", "z " * 60))
    assert len(path.read_text().splitlines()) == 1


def _unreachable(four_node: Path) -> Path:
    """four-node.yml rendered, its nodes pointed at a closed port of this machine."""
    from installer.answers import load
    from installer.render import render

    out = render(load(four_node), four_node.parent / "deployments" / "openstack").out_dir
    paths = DeployPaths(out)
    for host_vars in paths.host_vars("x").parent.glob("*.yml"):
        data = yaml.safe_load(host_vars.read_text()) or {}
        data.update(ansible_host="127.0.0.1", ansible_port=2,
                    ansible_ssh_common_args="-o BatchMode=yes -o ConnectTimeout=5")
        host_vars.write_text(yaml.safe_dump(data))
    return out


def test_the_cli_on_a_pipe_at_80_columns(four_node: Path) -> None:
    _unreachable(four_node)
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run([sys.executable, "-m", "installer", "verify", str(four_node)],
                          capture_output=True, text=True, env=env,
                          cwd=Path(__file__).parents[3], timeout=600)
    assert done.returncode != 0  # no node answers: every check fails
    said = done.stderr.splitlines()
    assert said[0].startswith("verify: checking 4 node(s) (openstack1, openstack2")
    heard = [line.split(maxsplit=2) for line in said if line.startswith("FAIL ")]
    assert heard and {node for _, node, _ in heard} == set(FOUR)
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.startswith("┃ check"))
    assert all(node in header for node in FOUR)
    rows = _rows(lines, FOUR)
    for _, node, rest in heard:
        check = rest.split(": cannot reach")[0]
        assert _cell(rows[_bare(check)], header, node) == "✗", (node, check)
    assert len(heard) == sum(line.count("✗") for line in rows.values())

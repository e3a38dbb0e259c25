import json
import xml.etree.ElementTree as ET

from rich.console import Console

from installer.console import THEME
from installer.verify.report import as_json, extend_junit, failure_lines, table, to_json
from installer.verify.result import CheckResult

RESULTS = [
    CheckResult("hostname", "n1", "pass", "n1", "roles/base", 0.1),
    CheckResult("hostname", "n2", "pass", "n2", "roles/base", 0.1),
    CheckResult("mariadb bind address", "n1", "fail",
                "mariadb bind-address is 0.0.0.0, expected 10.0.0.1", "roles/mariadb", 0.2),
]


def _text(renderable) -> str:
    console = Console(width=120, record=True, force_terminal=False, theme=THEME)
    console.print(renderable)
    return console.export_text()


def test_table_marks_pass_fail_and_not_applicable():
    text = _text(table(RESULTS, ["n1", "n2"]))
    row = next(line for line in text.splitlines() if "mariadb bind address" in line)
    assert "✗" in row and "\u2013" in row and "✓" not in row
    row = next(line for line in text.splitlines() if "hostname" in line)
    assert row.count("✓") == 2


def test_failure_lines_name_node_problem_and_where():
    assert failure_lines(RESULTS) == [
        "n1: mariadb bind address: mariadb bind-address is 0.0.0.0, expected 10.0.0.1 "
        "(roles/mariadb)"
    ]


def test_json_is_machine_readable():
    data = json.loads(to_json(RESULTS, ["n1", "n2"]))
    assert data["status"] == "failed"
    assert data["passed"] == 2 and data["failed"] == 1
    assert data["checks"] == ["hostname", "mariadb bind address"]
    assert data["results"][2]["node"] == "n1"
    assert as_json(RESULTS[:2])["status"] == "passed"


def test_junit_gets_the_results_pytest_did_not_write(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text('<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
                    '<testsuite name="stackinstall-verify" errors="0" failures="0" skipped="0" '
                    'tests="1" time="0.100"><testcase classname="n1" name="hostname" '
                    'time="0.100" /></testsuite></testsuites>')
    smoke = [*RESULTS[1:], CheckResult("smoke: guest", "-", "blocked", "no kvm", "", 1.0)]
    extend_junit(path, smoke)
    root = ET.parse(path).getroot()
    assert root.get("name") == "stackinstall-verify" and root.get("failures") == "1"
    suite = root.find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == "1"
    assert suite.get("skipped") == "1" and suite.get("time") == "1.400"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("n1", "hostname"), ("n2", "hostname"), ("n1", "mariadb bind address"),
        ("-", "smoke: guest"),
    ]
    failure = cases[2].find("failure")
    assert "0.0.0.0" in failure.get("message")
    assert "roles/mariadb" in failure.text
    assert cases[3].find("skipped").get("message") == "no kvm"


def test_junit_is_started_when_pytest_wrote_none(tmp_path):
    path = tmp_path / "junit.xml"
    extend_junit(path, RESULTS)
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite.get("name") == "stackinstall-verify" and suite.get("tests") == "3"

"""verify through pytest (issue 13) reports what the old framework reported, on a deployed lab.

``data/verify-tx-before.json`` and ``.xml`` are ``stackinstall verify --json --junit`` of
the deployed Debian 13 Epoxy lab ``tx``, captured with the code before the node checks moved
to pytest (1f405e3). This runs today's verify on the same lab (read-only: no --smoke) and
compares: the JSON's keys and each result's keys, the nodes, the checks in their order, every
(node, check) pair and its status; the JUnit's elements and attributes (pytest's extras
allowed), its (classname, name) pairs and which of them failed. Needs that lab, deployed:
opt in with ``STACKINSTALL_VERIFY_SHAPE_ANSWERS=/var/lib/stackinstall/lab/tx/answers.yml``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

DATA = Path(__file__).parent / "data"
ANSWERS = os.environ.get("STACKINSTALL_VERIFY_SHAPE_ANSWERS", "")


@pytest.fixture(scope="module")
def now(tmp_path_factory):
    if not ANSWERS or not Path(ANSWERS).is_file():
        pytest.skip("set STACKINSTALL_VERIFY_SHAPE_ANSWERS to the deployed lab tx's answers")
    out = tmp_path_factory.mktemp("shape")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "installer", "verify", ANSWERS, "--json",
                           "--junit", str(out / "junit.xml")],
                          capture_output=True, text=True, check=False, timeout=600)
    print(f"verify on the lab: {time.monotonic() - started:.1f} s, exit {done.returncode}")
    assert done.returncode in (0, 8), done.stderr
    return json.loads(done.stdout), ET.parse(out / "junit.xml").getroot()


def _before() -> tuple[dict, ET.Element]:
    return (json.loads((DATA / "verify-tx-before.json").read_text()),
            ET.parse(DATA / "verify-tx-before.xml").getroot())


def test_the_json_has_the_same_keys_nodes_checks_and_statuses(now):
    before, after = _before()[0], now[0]
    assert list(after) == list(before)
    assert {k for r in after["results"] for k in r} == {k for r in before["results"] for k in r}
    assert after["nodes"] == before["nodes"]
    assert after["checks"] == before["checks"]
    old = {(r["node"], r["check"]): r["status"] for r in before["results"]}
    new = {(r["node"], r["check"]): r["status"] for r in after["results"]}
    assert set(new) == set(old)
    changed = {k: (old[k], new[k]) for k in old if old[k] != new[k]}
    assert not changed, f"status changed (before, after): {changed}"


def _shape(root: ET.Element) -> dict[str, set[str]]:
    shape: dict[str, set[str]] = {}
    for element in root.iter():
        shape.setdefault(element.tag, set()).update(element.attrib)
    return shape


def _cases(root: ET.Element) -> dict[tuple[str, str], bool]:
    return {(c.get("classname"), c.get("name")): c.find("failure") is not None
            for c in root.iter("testcase")}


def test_the_junit_has_the_same_elements_cases_and_failures(now):
    before, after = _before()[1], now[1]
    old, new = _shape(before), _shape(after)
    for tag, attributes in old.items():
        assert tag in new and attributes <= new[tag], (tag, attributes, new.get(tag))
    assert _cases(after) == _cases(before)
    assert after.get("name") == before.get("name") == "stackinstall-verify"

"""verify through pytest (issue 13) reports what the old framework reported, on a deployed lab.

The comparison is tests/e2e/verifyshape.py's. CI makes it on its Debian 13 Epoxy lab (`ep`,
test_epoxy.py), which has the layout of the lab the capture was taken on. This module makes it
on any deployed lab of that layout: opt in with
``STACKINSTALL_VERIFY_SHAPE_ANSWERS=/var/lib/stackinstall/lab/tx/answers.yml``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from verifyshape import assert_same_json, assert_same_junit, run_verify

pytestmark = [pytest.mark.lab, pytest.mark.e2e]

ANSWERS = os.environ.get("STACKINSTALL_VERIFY_SHAPE_ANSWERS", "")


@pytest.fixture(scope="module")
def now(tmp_path_factory):
    if not ANSWERS or not Path(ANSWERS).is_file():
        pytest.skip("set STACKINSTALL_VERIFY_SHAPE_ANSWERS to a deployed lab of tx's layout")
    return run_verify(ANSWERS, tmp_path_factory.mktemp("shape"))


def test_the_json_has_the_same_keys_nodes_checks_and_statuses(now):
    assert_same_json(now[0])


def test_the_junit_has_the_same_elements_cases_and_failures(now):
    assert_same_junit(now[1])

"""The lab tier's order: cheap lab tests first, then molecule, then the two release deploys
one after the other (docs/ci.md). pytest runs the modules in this order whatever their names;
a module not listed runs after the listed cheap ones and before molecule. Tests outside
tests/e2e (when one session runs everything) keep their place ahead of the lab tier.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
#: cheapest first; each module brings its own lab up and takes it down before the next starts
CHEAP = ("test_lab_down.py", "test_preflight.py", "test_lab.py", "test_guest_image.py",
         "test_verify_shape.py", "test_smoke_image.py", "test_vm_nodes.py",
         "test_backup.py")
#: the long ones, last: molecule (~8 min), Debian 12 Zed (dv), Debian 13 Epoxy (ep), the
#: all-in-one (aio, one node), and the opt-in --local proof (lcl; skipped unless
#: STACKINSTALL_E2E_LOCAL=1) and the opt-in hybrid lab (hyb; skipped unless
#: STACKINSTALL_E2E_HYBRID=1)
LONG = ("test_molecule.py", "test_deploy.py", "test_epoxy.py", "test_allinone.py",
        "test_local.py", "test_hybrid.py")


def rank(item: pytest.Item) -> int:
    if item.path.parent != HERE:
        return -1
    name = item.path.name
    if name in CHEAP:
        return CHEAP.index(name)
    if name in LONG:
        return len(CHEAP) + 1 + LONG.index(name)
    return len(CHEAP)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=rank)  # stable: a module's tests keep their order

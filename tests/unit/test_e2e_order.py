"""The lab tier's order (tests/e2e/conftest.py, docs/ci.md): cheap lab tests first, then
molecule, then Zed's deploy, then Epoxy's, one after the other; tests outside tests/e2e
ahead of them all."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace

E2E = Path(__file__).resolve().parents[1] / "e2e"


def load_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("e2e_conftest_under_test", E2E / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def item(path: Path, name: str) -> SimpleNamespace:
    return SimpleNamespace(path=path, name=name)


def test_every_e2e_module_has_its_place():
    conftest = load_conftest()
    assert {p.name for p in E2E.glob("test_*.py")} == set(conftest.CHEAP) | set(conftest.LONG)


def test_cheap_first_then_molecule_zed_epoxy_and_a_module_keeps_its_order():
    conftest = load_conftest()
    collected = [item(E2E / "test_deploy.py", "deploy"), item(E2E / "test_deploy.py", "day2"),
                 item(E2E / "test_epoxy.py", "epoxy"), item(E2E / "test_new.py", "new"),
                 item(E2E / "test_lab.py", "lab"), item(E2E / "test_molecule.py", "molecule"),
                 item(E2E / "test_lab_down.py", "down"),
                 item(E2E.parent / "unit" / "test_x.py", "unit")]
    conftest.pytest_collection_modifyitems(collected)
    assert [i.name for i in collected] == ["unit", "down", "lab", "new", "molecule", "deploy",
                                           "day2", "epoxy"]

"""The import graph of ``installer/``: no cycle (imports inside functions included), and the
core never imports the test bed (``installer/testbed``) but through ``installer.extras``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "installer"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(current: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _type_checking_only(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``): imports for annotations only."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST, *, runtime: bool) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement; with ``runtime``, not those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        children = list(ast.iter_child_nodes(node))
        if runtime and _type_checking_only(node):
            children = [c for c in children if c not in node.body]
        pending.extend(children)
    return found


def imports_of(name: str, source: str, modules: set[str], *, is_package: bool = False,
               runtime: bool = False) -> set[str]:
    """The ``installer`` modules that module ``name`` imports (``from P import m`` names P.m)."""
    targets: set[str] = set()
    for node in _import_nodes(ast.parse(source, name), runtime=runtime):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = _resolve(name, is_package, node.level, node.module)
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            targets.add(sub if sub in modules else base)
    return {t for t in targets if t in modules and t != name}


def import_graph(*, runtime: bool = False) -> dict[str, set[str]]:
    """module -> the ``installer`` modules it imports (with ``runtime``: not for typing only)."""
    modules = _modules()
    return {name: imports_of(name, path.read_text(encoding="utf-8"), set(modules),
                             is_package=path.name == "__init__.py", runtime=runtime)
            for name, path in modules.items()}


TESTBED = "installer.testbed"


def _in_testbed(module: str) -> bool:
    return module == TESTBED or module.startswith(TESTBED + ".")


def core_to_testbed(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Core module -> the test bed modules it imports itself (it must use installer.extras)."""
    found = {name: {t for t in targets if _in_testbed(t)}
             for name, targets in graph.items() if not _in_testbed(name)}
    return {name: targets for name, targets in found.items() if targets}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "installer.deploy.cli" in graph["installer.cli"]  # imported inside _register()


def test_find_cycle_names_the_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_installer_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_core_check_sees_direct_imports_but_not_typing_ones():
    modules = {"installer.verify.cli", "installer.testbed", "installer.testbed.browser"}
    direct = "def f():\n    from installer.testbed import browser\n"
    typing_only = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                   "    from installer.testbed.browser import horizon_login\n")
    graph = {"installer.verify.cli": imports_of("installer.verify.cli", direct, modules,
                                                runtime=True),
             "installer.testbed.browser": set()}
    assert core_to_testbed(graph) == {"installer.verify.cli": {"installer.testbed.browser"}}
    assert imports_of("installer.verify.cli", typing_only, modules, runtime=True) == set()
    assert imports_of("installer.verify.cli", typing_only, modules) == {
        "installer.testbed.browser"}


def test_the_core_never_imports_the_test_bed():
    found = core_to_testbed(import_graph(runtime=True))
    assert not found, "the core imports the test bed (load it with installer.extras.testbed): " \
        + "; ".join(f"{name} -> {', '.join(sorted(t))}" for name, t in sorted(found.items()))


def test_importing_every_core_module_loads_no_test_bed_and_no_selenium():
    core = sorted(name for name in _modules() if not _in_testbed(name)
                  and name != "installer.__main__")
    script = ("import importlib, sys\n"
              f"for name in {core!r}:\n"
              "    importlib.import_module(name)\n"
              "print(sorted(m for m in sys.modules if m.startswith(('installer.testbed', "
              "'selenium'))))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]", done.stdout
    assert len(core) > 100

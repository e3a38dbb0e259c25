"""Contract: every package task of the roles and playbooks installs without Recommends (apt)
or weak dependencies (dnf), and only the destroy role removes packages.

What a service needs from its Recommends is listed in the catalogue instead
(installer/catalogue/catalogue.yml); a deploy re-run on a node installed with Recommends
must not remove them, so no deploy task purges or autoremoves. The apt full upgrade
(`upgrade: dist`) is not checked: Ansible's apt module takes no install_recommends there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APT = {"apt", "ansible.builtin.apt", "ansible.legacy.apt"}
DNF = {"dnf", "ansible.builtin.dnf", "ansible.legacy.dnf", "dnf5", "ansible.builtin.dnf5"}
GENERIC = {"package", "ansible.builtin.package", "ansible.legacy.package"}
REMOVING_ROLES = {"destroy"}
NESTED = ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers")


def _tasks(node: Any) -> Iterator[dict[str, Any]]:
    """Every task dict in a tasks/handlers/playbook document, blocks included."""
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        if not any(key in node for key in ("hosts", "block", "import_playbook")):
            yield node
        for key in NESTED:
            yield from _tasks(node.get(key))


def _files() -> list[Path]:
    return sorted(p for base in (ROOT / "roles", ROOT / "playbooks")
                  for p in base.rglob("*.yml") if "molecule" not in p.parts
                  and p.parent.name in {"tasks", "handlers", "playbooks"})


def _package_tasks() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in _files():
        for task in _tasks(yaml.safe_load(path.read_text())):
            for module in APT | DNF | GENERIC:
                if module in task:
                    args = task[module] if isinstance(task[module], dict) else {}
                    found.append((str(path.relative_to(ROOT)), module, args | {
                        "__name": task.get("name", "?")}))
    return found


def _installs(args: dict[str, Any]) -> bool:
    return "name" in args and args.get("state", "present") not in ("absent", "removed")


def problems(where: str, module: str, args: dict[str, Any]) -> list[str]:
    """What is wrong with one package task (empty when nothing)."""
    label = f"{where}: {args['__name']!r}"
    found = []
    if module in GENERIC and _installs(args):
        found.append(f"{label} installs with the generic package module, which cannot "
                     "leave out Recommends; use apt/dnf (or base's install_packages)")
    if module in APT and _installs(args) and args.get("install_recommends") is not False:
        found.append(f"{label} installs with Recommends; add install_recommends: false")
    if module in DNF and _installs(args) and args.get("install_weak_deps") is not False:
        found.append(f"{label} installs weak dependencies; add install_weak_deps: false")
    role = where.split("/")[1] if where.startswith("roles/") else ""
    removes = (args.get("state") in ("absent", "removed") or args.get("autoremove") is True
               or args.get("purge") is True)
    if removes and role not in REMOVING_ROLES:
        found.append(f"{label} removes packages; only `stackinstall destroy` may "
                     "(a re-run must keep what an earlier install brought)")
    return found


def test_the_scan_sees_the_package_tasks() -> None:
    where = {w for w, _, _ in _package_tasks()}
    assert {"roles/base/tasks/install_missing.yml", "roles/base/tasks/install_check_dnf.yml",
            "roles/base/tasks/upgrade.yml",
            "roles/repos/tasks/configure-apt.yml", "roles/repos/tasks/configure-dnf.yml",
            "roles/destroy/tasks/purge.yml"} <= where


def test_no_package_task_installs_recommends_or_removes_packages() -> None:
    found = [p for task in _package_tasks() for p in problems(*task)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("module", "args", "expected"), [
    ("ansible.builtin.apt", {"name": ["x"]}, "install_recommends: false"),
    ("ansible.builtin.apt", {"name": ["x"], "install_recommends": True},
     "install_recommends: false"),
    ("ansible.builtin.dnf", {"name": ["x"], "state": "latest"}, "install_weak_deps: false"),
    ("ansible.builtin.package", {"name": ["x"]}, "generic package module"),
    ("ansible.builtin.apt", {"name": ["x"], "state": "absent"}, "removes packages"),
    ("ansible.builtin.apt", {"autoremove": True}, "removes packages"),
])
def test_a_bad_task_is_reported(module: str, args: dict[str, Any], expected: str) -> None:
    reported = problems("roles/nova/tasks/install.yml", module, args | {"__name": "t"})
    assert any(expected in line for line in reported), reported


def test_good_tasks_pass() -> None:
    assert problems("roles/nova/tasks/install.yml", "ansible.builtin.apt",
                    {"name": ["x"], "install_recommends": False, "__name": "t"}) == []
    assert problems("roles/nova/tasks/install.yml", "ansible.builtin.apt",
                    {"update_cache": True, "__name": "t"}) == []
    assert problems("roles/destroy/tasks/purge.yml", "ansible.builtin.apt",
                    {"name": ["x"], "state": "absent", "purge": True, "autoremove": True,
                     "__name": "t"}) == []

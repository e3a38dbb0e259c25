"""``deploy --plan``: what a check-mode run says each node would get, from its events.

A plan is a deploy run with ``--check --diff`` whose job events (``runs/<ts>/artifacts/
<phase>/job_events/``) are read back per node: the configuration files that would change
(with their diff, secrets masked, when asked), the packages that would be installed or
upgraded, the services that would restart and the changes that made them restart, the
registrations (keystone, MariaDB, RabbitMQ accounts) that would change, the commands a
real run would run (check mode skips a command once its conditions hold: it says so), any
other change, and the tasks that could not tell in check mode (listed as unknown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from installer.deploy.summary import RunSummary
from installer.masking import Masker, load_secret_values

#: Modules whose change is a file on the node.
FILE_MODULES = frozenset({"template", "copy", "ini_file", "lineinfile", "blockinfile",
                          "file", "unarchive", "get_url"})
#: Modules whose change is a package.
PACKAGE_MODULES = frozenset({"apt", "dnf", "package", "yum"})
#: Module prefixes whose change is an account or registration in a service.
REGISTRATION_PREFIXES = ("openstack.cloud.", "community.mysql.mysql_user",
                         "community.mysql.mysql_db", "community.rabbitmq.")
_INST = re.compile(r"^Inst (\S+)", re.MULTILINE)
_CHECK_SKIP = re.compile(r"check mode", re.IGNORECASE)
#: What Ansible prints for a changed task (``changed: [node]``, ``changed: [a -> b]``), in
#: colour or not.
_CHANGED_LINE = re.compile(r"^\s*(?:\x1b\[[0-9;]*m)*changed: \[", re.MULTILINE)
#: An absolute path in a task's name (``Write /etc/glance/glance-api.conf``).
_PATH = re.compile(r"(?<![\w.])/[\w./@+-]+")
#: What ansible.builtin.command/shell say in check mode when they reached the command: its
#: conditions held, so a real run would run it (and report it changed).
WOULD_RUN = "Command would have run if not in check mode"


@dataclass
class Restart:
    handler: str
    because: list[str] = field(default_factory=list)


@dataclass
class NodePlan:
    files: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    restarts: list[Restart] = field(default_factory=list)
    registrations: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    #: commands a real run would run (check mode skips them once their conditions hold)
    commands: list[str] = field(default_factory=list)
    #: tasks skipped in check mode: what they would do is unknown
    unknown: list[str] = field(default_factory=list)
    #: changed tasks whose result is hidden (no_log): Ansible's recap counts them
    hidden: int = 0

    @property
    def changes(self) -> int:
        return (len(self.files) + len(self.packages) + len(self.restarts)
                + len(self.registrations) + len(self.other) + len(self.commands) + self.hidden)


@dataclass
class Plan:
    nodes: dict[str, NodePlan]

    @property
    def verdict(self) -> str:
        changed = {n: p.changes for n, p in self.nodes.items() if p.changes}
        unknown = sum(len(p.unknown) for p in self.nodes.values())
        verdict = (f"{sum(changed.values())} changes on {len(changed)} nodes" if changed
                   else "nothing to do")
        return verdict + (f" ({unknown} tasks could not tell in check mode)" if unknown else "")

    def as_dict(self, *, diffs: bool = False) -> dict[str, Any]:
        nodes = {}
        for name, node in sorted(self.nodes.items()):
            data = asdict(node)
            if not diffs:
                data.pop("diffs")
            nodes[name] = data
        return {"verdict": self.verdict, "nodes": nodes}


def _short(action: str) -> str:
    return action.rsplit(".", 1)[-1]


def _diff_text(diff: Any) -> str:
    parts = diff if isinstance(diff, list) else [diff]
    lines: list[str] = []
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        if "before" in part or "after" in part:
            lines.append(f"--- {part.get('before_header', 'before')}")
            lines.append(f"+++ {part.get('after_header', 'after')}")
            before = str(part.get("before") or "").splitlines()
            after = str(part.get("after") or "").splitlines()
            lines += [f"-{line}" for line in before if line not in after]
            lines += [f"+{line}" for line in after if line not in before]
        elif part.get("prepared"):
            lines.append(str(part["prepared"]))
    return "\n".join(lines)


def _results(res: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = res.get("results")
    if isinstance(items, list):
        return [r for r in items if isinstance(r, Mapping) and r.get("changed")]
    return [res]


def _file_of(result: Mapping[str, Any], label: str) -> str:
    for key in ("dest", "path"):
        if result.get(key):
            return str(result[key])
    diff = result.get("diff")
    first = diff[0] if isinstance(diff, list) and diff else diff
    if isinstance(first, Mapping) and first.get("after_header"):
        return str(first["after_header"])
    named = _PATH.search(label)
    return named.group(0) if "censored" in result and named else label


def _packages_of(result: Mapping[str, Any]) -> list[str]:
    text = str(result.get("stdout") or "") + "\n" + _diff_text(result.get("diff"))
    found = _INST.findall(text)
    if found:
        return found
    args = (result.get("invocation") or {}).get("module_args") or {}
    name = args.get("name") or []
    return [str(n) for n in (name if isinstance(name, list) else [name])]


def _label(data: Mapping[str, Any]) -> str:
    task = str(data.get("task") or "")
    role = data.get("role")
    return f"{role} : {task}" if role else task


def _changed(event: Mapping[str, Any], res: Mapping[str, Any]) -> bool:
    """Whether a task result changed something. ansible-runner replaces a no_log result by
    ``{"censored": ...}`` and drops ``changed`` with it; the line the task printed still says."""
    if res.get("changed"):
        return True
    return "censored" in res and bool(_CHANGED_LINE.search(str(event.get("stdout") or "")))


def _reasons(handler: str, candidates: list[str]) -> list[str]:
    """Why a handler runs: Ansible notifies handlers only when it flushes them, so the
    notification cannot name its task. The changes on that host since its last flush that
    name the handler's role (``/etc/glance/...`` for ``glance : Restart glance``) are the
    reason; with none that does, every one of them is."""
    role = handler.split(" : ", 1)[0] if " : " in handler else ""
    named = [c for c in candidates if role and role in c]
    return named or list(candidates)


def build(events: Iterable[Mapping[str, Any]], masker: Masker) -> Plan:
    """The plan of a check-mode run, from its events in order."""
    nodes: dict[str, NodePlan] = {}
    in_handler = False
    #: per host, the changes since its handlers last ran: what a notification can be for
    since_flush: dict[str, list[str]] = {}
    flushed: set[str] = set()
    notified: dict[tuple[str, str], list[str]] = {}
    seen: dict[str, int] = {}
    recap: dict[str, int] = {}
    for event in events:
        kind = str(event.get("event", ""))
        data: Mapping[str, Any] = event.get("event_data") or {}
        host = str(data.get("host") or "")
        if kind in {"playbook_on_task_start", "playbook_on_handler_task_start"}:
            in_handler = kind == "playbook_on_handler_task_start"
            continue
        if kind == "playbook_on_stats":
            for name, count in (data.get("changed") or {}).items():
                recap[str(name)] = recap.get(str(name), 0) + int(count)
            continue
        if kind == "playbook_on_notify" and host:
            full = str(data.get("handler") or "")
            because = notified.setdefault((host, full.split(" : ", 1)[-1]), [])
            because += [r for r in _reasons(full, since_flush.get(host, [])) if r not in because]
            flushed.add(host)
            continue
        if not host:
            continue
        node = nodes.setdefault(host, NodePlan())
        if not in_handler and host in flushed:
            flushed.discard(host)
            since_flush[host] = []
        res: Mapping[str, Any] = data.get("res") or {}
        label = _label(data)
        if kind == "runner_on_skipped" and str(res.get("msg") or "") == WOULD_RUN:
            node.commands.append(label)
            since_flush.setdefault(host, []).append(label)
            continue
        if kind == "runner_on_skipped" and _CHECK_SKIP.search(str(res.get("msg") or "")):
            node.unknown.append(label)
            continue
        if kind != "runner_on_ok" or not _changed(event, res):
            continue
        seen[host] = seen.get(host, 0) + 1
        name = str(data.get("task") or "")
        if in_handler or (host, name) in notified:
            node.restarts.append(Restart(name, notified.get((host, name), [])))
            continue
        since_flush.setdefault(host, []).extend(_classify(node, data, res, label, masker))
    for host, count in recap.items():
        nodes.setdefault(host, NodePlan()).hidden = max(count - seen.get(host, 0), 0)
    return Plan(nodes)


def _classify(node: NodePlan, data: Mapping[str, Any], res: Mapping[str, Any], label: str,
              masker: Masker) -> list[str]:
    """File, packages, registration or other: what one changed task is; returns its names."""
    action = str(data.get("resolved_action") or data.get("task_action") or "")
    short = _short(action)
    names: list[str] = []
    for result in _results(res):
        if short in FILE_MODULES:
            path = _file_of(result, label)
            node.files.append(path)
            names.append(path)
            text = _diff_text(result.get("diff"))
            if text:
                node.diffs[path] = masker(text)
        elif short in PACKAGE_MODULES:
            node.packages += [p for p in _packages_of(result) if p not in node.packages]
            names.append(label)
        elif action.startswith(REGISTRATION_PREFIXES):
            node.registrations.append(label)
            names.append(label)
        else:
            node.other.append(label)
            names.append(label)
    return names


def read_events(run_dir: Path) -> list[dict[str, Any]]:
    """Every job event of a run, in the order it ran.

    A run keeps its events under ``artifacts/<ident>/job_events``: one ident for the run
    (``phases`` when it held several phases, else the phase's own name).
    """
    batches: list[list[dict[str, Any]]] = []
    root = run_dir / "artifacts"
    for ident in sorted(root.iterdir()) if root.is_dir() else []:
        batch: list[dict[str, Any]] = []
        for path in (ident / "job_events").glob("*.json"):
            try:
                batch.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        if batch:
            batches.append(sorted(batch, key=lambda e: int(e.get("counter", 0))))
    batches.sort(key=lambda b: str(b[0].get("created", "")))
    return [event for batch in batches for event in batch]


def from_run(summary: RunSummary) -> Plan:
    """The plan of a finished check-mode run, read back from its events, secrets masked."""
    masker = Masker(load_secret_values(summary.deploy_dir).values())
    return build(read_events(summary.run_dir), masker)


def show(console: Console, plan: Plan, *, diffs: bool = False) -> None:
    """Per node what would change and why, then the one-line verdict."""
    for name, node in sorted(plan.nodes.items()):
        if not node.changes and not node.unknown:
            console.print(f"{name}: nothing to do", markup=False)
            continue
        console.print(f"{name}:", markup=False)
        for path in node.files:
            console.print(f"  file      {path}", markup=False, highlight=False)
            if diffs and path in node.diffs:
                for line in node.diffs[path].splitlines():
                    console.print(f"            {line}", markup=False, highlight=False)
        if node.packages:
            console.print(f"  packages  {', '.join(node.packages)}", markup=False)
        for restart in node.restarts:
            why = f" (because of {', '.join(restart.because)})" if restart.because else ""
            console.print(f"  restart   {restart.handler}{why}", markup=False)
        for label in node.registrations:
            console.print(f"  register  {label}", markup=False)
        for label in node.other:
            console.print(f"  change    {label}", markup=False)
        for label in node.commands:
            console.print(f"  run       {label}", markup=False)
        for label in node.unknown:
            console.print(f"  unknown   {label} (skipped in check mode)", markup=False)
        if node.hidden:
            console.print(f"  hidden    {node.hidden} changed task(s) whose output is hidden "
                          "(no_log: it handles secrets)", markup=False)
    console.print(plan.verdict, markup=False)

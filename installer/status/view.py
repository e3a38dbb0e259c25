"""`stackinstall status` as tables: nodes with their services, then the last run."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from installer.deploy.display import format_elapsed
from installer.status.collect import DeploymentStatus
from installer.status.runs import LastRun


def nodes_table(status: DeploymentStatus) -> Table:
    source = "inventory" if status.rendered else "answer file (not rendered yet)"
    table = Table(title=f"deployment {status.name}: nodes; services from the {source}",
                  title_justify="left")
    for column in ("node", "address", "roles", "ssh", "services"):
        table.add_column(column, overflow="fold")
    for n in status.nodes:
        ssh = (f"[ok]port {n.ssh_port} answers[/ok]" if n.ssh_problem is None
               else f"[failed]port {n.ssh_port}: {escape(n.ssh_problem)}[/failed]")
        table.add_row(escape(n.name), n.address, ",".join(n.roles), ssh,
                      escape(", ".join(n.services)))
    return table


def _elapsed(seconds: float | None) -> str:
    return format_elapsed(seconds) if seconds is not None else "-"


def print_last_run(console: Console, run: LastRun | None) -> None:
    if run is None:
        console.print("last run: none (stackinstall deploy has not run with this deployment "
                      "directory)")
        return
    style = "ok" if run.status == "successful" else "failed"
    check = " (check mode)" if run.check_mode else ""
    console.print(f"last run: [{style}]{escape(run.status)}[/{style}]{check}, started "
                  f"{run.started or '-'}, took {_elapsed(run.duration_s)}; "
                  f"[path]{escape(str(run.run_dir))}[/path]")
    if run.phases:
        phases = "  ".join(f"{p['name']} {p['status']} {_elapsed(p['duration_s'])}"
                           for p in run.phases)
        console.print(f"  phases: {escape(phases)}")
    if run.changed:
        console.print("  changed: " + ", ".join(f"{h} {c}" for h, c in sorted(run.changed.items())))
    if run.resume_command:
        console.print(f"  resume: {escape(run.resume_command)}")


def print_status(console: Console, status: DeploymentStatus) -> None:
    console.print(nodes_table(status))
    print_last_run(console, status.last_run)

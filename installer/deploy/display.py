"""Live progress on the terminal: phase, task, per-host state and elapsed time."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from installer.deploy.events import RunTracker
from installer.deploy.rundir import strip_ansi

_STATE_STYLE = {
    "ok": "ok",
    "changed": "changed",
    "failed": "failed",
    "unreachable": "unreachable",
    "skipped": "skipped",
    "running": "key",
    "waiting": "muted",
}


def format_elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def progress_view(tracker: RunTracker, phases: list[str]) -> RenderableType:
    """One frame: a header line and a table of hosts."""
    phase, play, task, hosts = tracker.snapshot()
    position = f"{phases.index(phase) + 1}/{len(phases)}" if phase in phases else ""
    header = Text.from_markup(
        f"[key]{escape(phase or 'starting')}[/key] {position}  "
        f"[muted]{escape(play)}[/muted]\n"
        f"task: {escape(task or '-')}   elapsed {format_elapsed(tracker.elapsed())}"
    )
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("host")
    table.add_column("state")
    for name in ("ok", "changed", "failed", "unreachable", "skipped"):
        table.add_column(name, justify="right", style=name)
    table.add_column("current task", overflow="ellipsis", no_wrap=True, max_width=60)
    for host, live in sorted(hosts.items()):
        c = live.counts
        style = _STATE_STYLE.get(live.state, "")
        table.add_row(
            host,
            Text(live.state, style=style),
            str(c.ok),
            str(c.changed),
            str(c.failed),
            str(c.unreachable),
            str(c.skipped),
            live.task if live.state == "running" else "",
        )
    return Group(header, table)


class Progress:
    """Context manager choosing how to show progress.

    A terminal without ``-v`` gets a live table; ``-v`` streams Ansible's own output;
    anything else (a pipe, CI) gets one line per task so logs stay readable.
    """

    def __init__(
        self,
        console: Console,
        tracker: RunTracker,
        phases: list[str],
        *,
        verbose: bool,
    ) -> None:
        self._console = console
        self._tracker = tracker
        self._phases = phases
        self._verbose = verbose
        self._live: Live | None = None
        self._last_task = ""

    def __enter__(self) -> Progress:
        if self._console.is_terminal and not self._verbose:
            self._live = Live(
                get_renderable=lambda: progress_view(self._tracker, self._phases),
                console=self._console,
                refresh_per_second=4,
                transient=True,
            )
            self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()

    def stdout_sink(self, mask: Callable[[str], str]) -> Callable[[str], None]:
        """Where each event's stdout goes (besides the log file)."""

        def sink(text: str) -> None:
            if self._verbose:
                self._console.print(Text.from_ansi(mask(text)))
            elif self._live is None:
                self._plain_progress()

        return sink

    def _plain_progress(self) -> None:
        phase, _, task, _ = self._tracker.snapshot()
        if task and task != self._last_task:
            self._last_task = task
            self._console.print(
                f"[muted]{format_elapsed(self._tracker.elapsed())}[/muted] "
                f"[key]{escape(phase)}[/key] {escape(strip_ansi(task))}"
            )

    def phase_done(self, name: str, status: str, seconds: float) -> None:
        style = "ok" if status == "successful" else "failed"
        self._console.print(
            f"[{style}]{'✓' if status == 'successful' else '✗'}[/{style}] phase "
            f"[key]{escape(name)}[/key] {escape(status)} in {format_elapsed(seconds)}"
        )

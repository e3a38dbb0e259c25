from pathlib import Path

from rich.console import Console

from installer.console import THEME
from installer.deploy.display import format_elapsed, progress_view
from installer.deploy.events import RunTracker
from installer.deploy.resume import resume_command


def _text(renderable) -> str:
    console = Console(width=140, record=True, force_terminal=False, theme=THEME)
    console.print(renderable)
    return console.export_text()


def test_live_view_shows_phase_task_hosts_and_elapsed(failed_events):
    ticks = iter(range(0, 10_000, 7))
    tracker = RunTracker(clock=lambda: float(next(ticks)))
    tracker.start_phase("infra")
    for event in failed_events:
        tracker.handle(event)
    text = _text(progress_view(tracker, ["bootstrap", "infra"]))
    assert "infra 2/2" in text
    assert "task: Fine" in text
    ghost = next(line for line in text.splitlines() if line.startswith("ghost"))
    assert "unreachable" in ghost
    node2 = next(line for line in text.splitlines() if line.startswith("node2"))
    assert "failed" in node2


def test_elapsed_format():
    assert format_elapsed(5) == "00:05"
    assert format_elapsed(125) == "02:05"
    assert format_elapsed(3725) == "1:02:05"


def test_resume_command_keeps_the_options_that_shaped_the_run():
    cmd = resume_command(Path("my answers.yml"), "infra", secrets=Path("s.yml"),
                         out_dir=Path("/d"), limit="openstack1", tags=("mariadb",))
    assert cmd == ("stackinstall deploy 'my answers.yml' --secrets s.yml -o /d --from infra "
                   "--limit openstack1 --tags mariadb")


def test_resume_command_keeps_upgrade():
    cmd = resume_command(Path("a.yml"), "bootstrap", upgrade=True)
    assert cmd == "stackinstall deploy a.yml --from bootstrap --upgrade"
    assert "--upgrade" not in resume_command(Path("a.yml"), "bootstrap")


def test_resume_command_keeps_a_strategy_other_than_the_default():
    cmd = resume_command(Path("a.yml"), "services", strategy="linear")
    assert cmd == "stackinstall deploy a.yml --from services --strategy linear"
    assert "--strategy" not in resume_command(Path("a.yml"), "services")

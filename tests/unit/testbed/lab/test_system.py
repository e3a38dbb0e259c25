"""Process identity uses the real /proc with processes this test starts and ends itself."""

from __future__ import annotations

import subprocess

import pytest

from installer.errors import LabError
from installer.testbed.lab import system


@pytest.fixture
def sleeper():
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_a_running_process_is_recognised(sleeper):
    ref = system.ref_for(sleeper.pid, "sleep")
    assert system.is_alive(ref)
    assert system.ProcessRef.from_json(ref.to_json()) == ref


def test_a_reused_pid_or_other_program_is_not_ours(sleeper):
    ref = system.ref_for(sleeper.pid, "sleep")
    assert not system.is_alive(system.ProcessRef(ref.pid, ref.start_time + 1, "sleep"))
    assert not system.is_alive(system.ProcessRef(ref.pid, ref.start_time, "systemd-nspawn"))


def test_zombies_and_ended_processes_are_not_alive(sleeper):
    ref = system.ref_for(sleeper.pid, "sleep")
    sleeper.kill()
    # not yet reaped: a zombie
    import time

    time.sleep(0.2)
    assert not system.is_alive(ref)
    sleeper.wait()
    assert system.process_start_time(ref.pid) is None
    assert system.wait_reaped(ref.pid, timeout=1)


def test_children_of(sleeper):
    proc = subprocess.Popen(["sh", "-c", "sleep 30 & wait"])
    try:
        import time

        # the child exists as a copy of `sh` until it has exec'd sleep: wait for both
        for _ in range(100):
            kids = system.children_of(proc.pid)
            if kids and (system.process_cmdline(kids[0]) or [""])[0] == "sleep":
                break
            time.sleep(0.05)
        assert len(kids) == 1
        assert system.process_cmdline(kids[0])[0] == "sleep"
    finally:
        for kid in system.children_of(proc.pid):
            subprocess.run(["kill", str(kid)], check=False)
        proc.wait()


def test_run_reports_the_failing_command_and_its_stderr():
    with pytest.raises(LabError, match="No such file"):
        system.run(["ls", "/definitely/not/here"])
    with pytest.raises(LabError, match="command not found"):
        system.run(["definitely-not-a-command-xyz"])
    assert system.run(["sh", "-c", "exit 3"], check=False).returncode == 3


def test_kill_all_kills_and_waits_for_the_reaping_and_skips_the_gone():
    # an orphan like the ones the lab ends: its parent (sh) is gone, init reaps it
    pid = int(subprocess.run(["sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!"],
                             capture_output=True, text=True, check=True).stdout)
    assert system.kill_all([pid]) == [pid]
    assert system.wait_reaped(pid, timeout=0.5)
    assert system.kill_all([pid]) == []

"""run_phases for real: ansible-runner drives playbooks against this machine (connection local)."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from installer.deploy.deploy import run_phases
from installer.deploy.options import RunOptions
from installer.deploy.resume import resume_command
from installer.errors import DeployError

SECRET = "Sup3r-Secret-Value-77"

PLAY = """
- name: {phase}
  hosts: all
  gather_facts: false
  tasks:
    - name: Write a file
      ansible.builtin.copy:
        content: "{{{{ inventory_hostname }}}}"
        dest: "{out}/{phase}-{{{{ inventory_hostname }}}}"
        mode: "0644"
    - name: Use the secret quietly
      ansible.builtin.command: echo "{{{{ demo_password }}}}"
      changed_when: false
      no_log: true
{extra}
"""

FAIL = """
    - name: Break on n2
      ansible.builtin.command: sh -c "echo 'cannot start mariadb' >&2; exit 1"
      when: inventory_hostname == 'n2'
"""

LEAK = """
    - name: Leak the secret
      ansible.builtin.debug:
        msg: "the password is {{ demo_password }}"
"""


def _setup(tmp_path: Path, infra_extra: str = "",
           bootstrap_extra: str = "") -> tuple[Path, Path]:
    deploy = tmp_path / "deploy"
    inv = deploy / "inventory"
    (inv / "group_vars" / "all").mkdir(parents=True)
    hosts = {
        name: {"ansible_connection": "local",
               "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
        for name in ("n1", "n2")
    }
    (inv / "hosts.yml").write_text(json.dumps({"all": {"hosts": hosts}}))
    (inv / "group_vars" / "all" / "secrets.yml").write_text(f"demo_password: {SECRET}\n")
    books = tmp_path / "playbooks"
    books.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    for phase, extra in (("bootstrap", bootstrap_extra), ("infra", infra_extra)):
        (books / f"{phase}.yml").write_text(PLAY.format(phase=phase, out=out, extra=extra))
    return deploy, books


def _grep(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_first_run_changes_then_rerun_changes_nothing(tmp_path):
    deploy, books = _setup(tmp_path)
    first = run_phases(deploy, ["bootstrap", "infra"], RunOptions(), playbooks_dir=books)
    data = json.loads(first.summary_path.read_text())
    assert data["status"] == "successful"
    assert [p["name"] for p in data["phases"]] == ["bootstrap", "infra"]
    assert all(p["duration_s"] > 0 for p in data["phases"])
    assert data["hosts"]["n1"]["changed"] == 2 and data["hosts"]["n2"]["changed"] == 2
    run_dir = first.summary_path.parent
    # both phases in one ansible-playbook
    assert [p.name for p in (run_dir / "artifacts").iterdir()] == ["phases"]
    assert data["hosts"]["n1"]["failed"] == 0 and data["hosts"]["n1"]["ok"] == 4
    log = (run_dir / "deploy.log").read_text()
    assert "TASK [Write a file]" in log and "\x1b[" not in log
    assert _grep(run_dir, SECRET) == []
    assert data["secret_leaks"] == []

    second = run_phases(deploy, ["bootstrap", "infra"], RunOptions(), playbooks_dir=books)
    again = json.loads(second.summary_path.read_text())
    assert {h: c["changed"] for h, c in again["hosts"].items()} == {"n1": 0, "n2": 0}
    assert second.summary_path.parent != run_dir


def test_failure_names_host_task_error_log_and_resume_command(tmp_path, capsys):
    deploy, books = _setup(tmp_path, FAIL)
    with pytest.raises(DeployError) as exc:
        run_phases(
            deploy, ["bootstrap", "infra"], RunOptions(), playbooks_dir=books,
            resume=lambda phase: resume_command(Path("answers.yml"), phase),
        )
    assert "phase infra failed on n2" in exc.value.message
    assert "deploy.log" in exc.value.hint
    assert "stackinstall deploy answers.yml --from infra" in exc.value.hint
    err = capsys.readouterr().err
    assert "host n2" in err and "Break on n2" in err and "cannot start mariadb" in err
    run_dir = sorted((deploy / "runs").iterdir())[-1]
    data = json.loads((run_dir / "summary.json").read_text())
    assert data["status"] == "failed"
    assert data["failures"][0]["host"] == "n2"
    assert data["resume_command"] == "stackinstall deploy answers.yml --from infra"


def test_a_failed_phase_starts_no_later_phase_on_any_node(tmp_path, capsys):
    deploy, books = _setup(tmp_path, bootstrap_extra=FAIL)
    with pytest.raises(DeployError) as exc:
        run_phases(deploy, ["bootstrap", "infra"], RunOptions(), playbooks_dir=books,
                   resume=lambda phase: resume_command(Path("answers.yml"), phase))
    assert "phase bootstrap failed on n2" in exc.value.message
    assert "--from bootstrap" in exc.value.hint
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["bootstrap-n1", "bootstrap-n2"]
    summary = exc.value.summary
    assert [(p["name"], p["status"]) for p in summary["phases"]] == [("bootstrap", "failed")]
    # the gate that stopped n1 before infra is not counted as a failure of n1
    assert summary["hosts"]["n1"]["failed"] == 0 and summary["hosts"]["n2"]["failed"] == 1
    assert [f["host"] for f in summary["failures"]] == ["n2"]


def test_rescued_failures_of_an_earlier_phase_count_as_rescued(tmp_path):
    rescued = """
    - name: Fail and recover on n2
      block:
        - name: Break on n2
          ansible.builtin.fail:
          when: inventory_hostname == 'n2'
      rescue:
        - name: Recover
          ansible.builtin.debug:
            msg: recovered
"""
    deploy, books = _setup(tmp_path, bootstrap_extra=rescued)
    result = run_phases(deploy, ["bootstrap", "infra"], RunOptions(), playbooks_dir=books)
    data = json.loads(result.summary_path.read_text())
    assert [(p["name"], p["status"]) for p in data["phases"]] == [
        ("bootstrap", "successful"), ("infra", "successful")]
    assert data["hosts"]["n2"]["failed"] == 0 and data["hosts"]["n2"]["rescued"] == 1
    assert data["phases"][0]["hosts"]["n2"]["rescued"] == 1
    assert (tmp_path / "out" / "infra-n1").exists() and (tmp_path / "out" / "infra-n2").exists()


def test_a_leaking_task_is_detected_reported_and_redacted(tmp_path):
    deploy, books = _setup(tmp_path, LEAK)
    result = run_phases(deploy, ["infra"], RunOptions(limit="n1"), playbooks_dir=books)
    data = json.loads(result.summary_path.read_text())
    assert data["secret_leaks"], "the debug task printed the secret; the scan must see it"
    assert {leak["key"] for leak in data["secret_leaks"]} == {"demo_password"}
    assert _grep(result.summary_path.parent, SECRET) == []
    assert list(data["hosts"]) == ["n1"]


HANG = """
    - name: Hang on n2
      ansible.builtin.command: sleep 120
      changed_when: false
      when: inventory_hostname == 'n2'
"""


@pytest.fixture
def own_processes(tmp_path):
    """Yields a finder of the processes this test's runs started (their environment names
    the test's directory); ends the ones still alive afterwards, by PID: a timed-out task's
    module keeps running on its node, here this machine."""
    yield lambda: _processes_under(tmp_path)
    for pid, _ in _processes_under(tmp_path):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _processes_under(root: Path) -> list[tuple[int, list[str]]]:
    marker = str(root).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes():
                continue
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        found.append((int(entry.name), argv))
    return found


def test_a_task_past_the_task_timeout_fails_naming_host_and_task(tmp_path, own_processes):
    deploy, books = _setup(tmp_path, HANG)
    with pytest.raises(DeployError) as caught:
        run_phases(deploy, ["bootstrap", "infra"], RunOptions(task_timeout=20),
                   playbooks_dir=books)
    summary = caught.value.summary
    failure = summary["phases"][-1]["failures"][0]
    assert (failure["host"], failure["task"]) == ("n2", "Hang on n2")
    assert "timed out after 20 second" in failure["message"].lower(), failure


STOP_SCRIPT = """
import sys
from pathlib import Path
from installer.errors import DeployError
from installer.deploy.deploy import run_phases
from installer.deploy.options import RunOptions
try:
    run_phases(Path(sys.argv[1]), ["bootstrap", "infra"], RunOptions(),
               playbooks_dir=Path(sys.argv[2]))
except DeployError as exc:
    print("STOPPED", exc)
"""


def test_sigterm_stops_ansible_and_names_the_task_still_running(tmp_path, own_processes):
    """A SIGTERM (a CI job's time limit, systemd, kill) ends ansible-playbook too, so no
    play goes on against the nodes, and the summary names the task that hung."""
    deploy, books = _setup(tmp_path, HANG)
    script = tmp_path / "stop.py"
    script.write_text(STOP_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(deploy), str(books)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[3],
                            env={**os.environ, "STACKINSTALL_TEST_DIR": str(tmp_path)})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _hanging(own_processes()):
            time.sleep(0.5)
        assert _hanging(own_processes()), "the hanging task never started"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "STOPPED phase infra stopped on n2" in out, (out, err)
    playbooks = [pid for pid, argv in own_processes()
                 if any(arg.endswith("ansible-playbook") for arg in argv)]
    assert playbooks == [], "ansible-playbook outlived the stop"
    summary = json.loads(next((deploy / "runs").rglob("summary.json")).read_text())
    failure = summary["phases"][-1]["failures"][0]
    assert summary["phases"][-1]["status"] == "stopped"
    assert (failure["host"], failure["task"]) == ("n2", "Hang on n2")
    assert failure["message"].startswith("still running after "), failure


def _hanging(processes: list[tuple[int, list[str]]]) -> bool:
    return any(argv[:2] == ["sleep", "120"] for _, argv in processes)


FACTS = """
- name: Facts | count the runs of this play
  hosts: all
  gather_facts: false
  tags: [always]
  tasks:
    - name: Count
      ansible.builtin.shell: echo x >> {out}/facts-{{{{ inventory_hostname }}}}  # no module: test
      changed_when: false
"""

PHASE_WITH_FACTS = """
- name: Facts
  ansible.builtin.import_playbook: facts.yml
  tags: [phase_facts]

- name: {phase}
  hosts: all
  gather_facts: false
  tags: [{phase}]
  tasks:
    - name: A role's own load of its distro values
      ansible.builtin.copy:
        content: loaded
        dest: "{out}/own-{phase}-{{{{ inventory_hostname }}}}"
        mode: "0644"
      tags: [role_distro_vars]
    - name: Work
      ansible.builtin.copy:
        content: done
        dest: "{out}/{phase}-{{{{ inventory_hostname }}}}"
        mode: "0644"
"""


@pytest.mark.parametrize(("phases", "facts_runs"), [(["bootstrap", "infra"], 1),
                                                    (["infra"], 1)])
def test_a_run_gathers_facts_once_and_skips_the_roles_own_distro_loads(
        tmp_path, phases, facts_runs):
    deploy, books = _setup(tmp_path)
    out = tmp_path / "out"
    (books / "facts.yml").write_text(FACTS.format(out=out))
    for phase in ("bootstrap", "infra"):
        (books / f"{phase}.yml").write_text(PHASE_WITH_FACTS.format(phase=phase, out=out))
    result = run_phases(deploy, phases, RunOptions(), playbooks_dir=books)
    assert json.loads(result.summary_path.read_text())["status"] == "successful"
    for host in ("n1", "n2"):
        assert (out / f"facts-{host}").read_text().count("x") == facts_runs
        for phase in phases:
            assert (out / f"{phase}-{host}").read_text() == "done"
    assert not list(out.glob("own-*")), "a role's own distro load ran"


def test_a_playbook_without_the_facts_play_keeps_the_roles_own_distro_loads(tmp_path):
    deploy, books = _setup(tmp_path)
    out = tmp_path / "out"
    phase = PHASE_WITH_FACTS.format(phase="bootstrap", out=out)
    own = phase[phase.index("- name: bootstrap"):]  # the phase's play, without the facts import
    (books / "bootstrap.yml").write_text("---\n" + own)
    result = run_phases(deploy, ["bootstrap"], RunOptions(), playbooks_dir=books)
    assert json.loads(result.summary_path.read_text())["status"] == "successful"
    for host in ("n1", "n2"):
        assert (out / f"own-bootstrap-{host}").read_text() == "loaded"

"""Preflight of the node that is this machine: its commands run here, with sh, not SSH."""

from __future__ import annotations

import os
import socket

from installer.preflight.checks import evaluate
from installer.preflight.collect import collect, privileged
from installer.preflight.facts import Access
from installer.preflight.findings import Status
from installer.preflight.here import HOST_KEY, LocalSession

from .conftest import make_deployment


def test_local_session_runs_commands_here():
    with LocalSession() as session:
        out = session.run("echo out; echo err >&2; exit 3")
    assert (out.rc, out.stdout, out.stderr) == (3, "out\n", "err\n")
    assert session.host_key == HOST_KEY


def test_a_command_that_runs_too_long_is_rc_255():
    out = LocalSession().run("sleep 5", timeout=0.2)
    assert out.rc == 255 and "timed out" in out.stderr


def _local_deployment(tmp_path):
    return make_deployment(tmp_path, ssh={"private_key": str(tmp_path / "no-such-key")},
                           nodes=[{"name": "aio1", "address": "10.0.0.11",
                                   "roles": ["controller", "network", "compute", "storage"],
                                   "connection": "local"}])


def test_collect_probes_a_local_node_here_without_a_key(tmp_path):
    dep = _local_deployment(tmp_path)
    probe = collect(dep, dep.nodes[0])
    assert probe.login_error == "" and probe.host_key == HOST_KEY
    assert probe.access is not None and probe.access.uid == os.getuid()
    assert probe.facts is not None
    assert probe.facts.hostname == socket.gethostname()
    assert probe.facts.cpus == os.cpu_count()
    assert "lo" in probe.facts.interfaces


def test_a_local_node_is_logged_in_by_definition_and_warned_about(tmp_path):
    dep = _local_deployment(tmp_path)
    findings = evaluate(dep, dep.nodes[0], collect(dep, dep.nodes[0]))
    assert findings[0].check == "local connection" and findings[0].status is Status.PASS
    warned = [f.check for f in findings if f.status is Status.WARN
              and f.check.startswith("local node")]
    assert warned == ["local node: packages", "local node: services",
                      "local node: provider interface"]


def test_a_local_node_not_run_as_root_probes_under_sudo(tmp_path):
    dep = _local_deployment(tmp_path)
    assert privileged("id", dep, Access(1000, 0), local=True) == "sudo -n sh -c id"
    assert privileged("id", dep, Access(1000, 0)) == "sh -c id"  # ssh.become is false


def test_deploys_preflight_says_the_local_node_is_checked_here(tmp_path, monkeypatch, capsys):
    from installer.preflight import run
    from installer.preflight.findings import Report

    monkeypatch.setattr(run, "run_preflight", lambda dep, known_hosts=None: Report(["aio1"]))
    run.ensure_ready(_local_deployment(tmp_path))
    said = " ".join(capsys.readouterr().out.split())
    assert "checking 1 node(s) aio1 here (connection: local)" in said
    assert "over SSH" not in said

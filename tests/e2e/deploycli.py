"""Shared by the end-to-end deploy tests: run the CLI, read run summaries and verify reports.

Each test module owns one lab (its name and subnet) and passes it in; nothing here knows a
default lab.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from installer.testbed.lab.paths import LabPaths


def stackinstall(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run the CLI; past ``timeout`` it gets SIGTERM (a deploy then stops ansible-playbook
    and prints which task hung where) and the test fails with the end of its output."""
    command = [sys.executable, "-m", "installer", *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        pytest.fail(f"stackinstall {' '.join(args)} still ran after {timeout:.0f} s and was "
                    f"stopped:\n{tail(out)}\n{tail(err)}")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def tail(text: str, lines: int = 120) -> str:
    kept = text.splitlines()
    cut = f"[{len(kept) - lines} earlier lines]\n" if len(kept) > lines else ""
    return cut + "\n".join(kept[-lines:])


def ok(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    proc = stackinstall(*args, timeout=timeout)
    assert proc.returncode == 0, (f"stackinstall {' '.join(args)}:\n{tail(proc.stdout)}\n"
                                  f"{tail(proc.stderr)}")
    return proc


def on(lab: str, node: str, command: str) -> str:
    return ok("lab", "ssh", "--name", lab, node, "--", command, timeout=300).stdout


def lab_running(lab: str, nodes: int = 4) -> bool:
    if not LabPaths.for_lab(lab).state_file.is_file():
        return False
    proc = stackinstall("lab", "status", "--name", lab, timeout=120)
    return proc.returncode == 0 and proc.stdout.count("running") >= nodes


def deploy_dir(answers: Path) -> Path:
    name = yaml.safe_load(answers.read_text())["deployment"]["name"]
    return answers.parent / "deployments" / name


def last_summary(answers: Path) -> dict:
    runs = sorted((deploy_dir(answers) / "runs").iterdir())
    return json.loads((runs[-1] / "summary.json").read_text())


def verify_json(answers: Path, *extra: str, timeout: float = 1200) -> tuple[int, dict]:
    proc = stackinstall("verify", str(answers), "--json", *extra, timeout=timeout)
    return proc.returncode, json.loads(proc.stdout)


def failures(report: dict) -> list[str]:
    return [f"{r['node']}: {r['check']}: {r['message']}"
            for r in report["results"] if r["status"] != "pass"]


def unchanged(summary: dict) -> dict[str, int]:
    """Hosts whose counters say they changed something (empty: a no-change run)."""
    return {host: counts["changed"] for host, counts in summary["hosts"].items()
            if counts["changed"]}


#: The releases CI deploys, each on its own four-node lab.
RELEASES = ("zed", "epoxy")
REPO = Path(__file__).resolve().parents[2]


def releases_to_deploy(repo: Path = REPO) -> tuple[str, ...]:
    """Which releases this run deploys end to end.

    ``STACKINSTALL_E2E_RELEASES`` (``zed``, ``epoxy`` or ``zed,epoxy``) decides when set.
    Otherwise one release per run, by the parity of the commit count of the checkout
    (``git rev-list --count HEAD``): even deploys Debian 12 with Zed, odd Debian 13 with
    Epoxy, so consecutive commits on main alternate and each release is deployed by every
    second CI run (both in one run do not fit CI's 75 minutes on 2 cores).
    """
    chosen = os.environ.get("STACKINSTALL_E2E_RELEASES", "").replace(" ", "")
    if chosen:
        unknown = set(chosen.split(",")) - set(RELEASES)
        if unknown:
            raise ValueError(f"STACKINSTALL_E2E_RELEASES: unknown {sorted(unknown)}; "
                             f"use {', '.join(RELEASES)} or both, comma-separated")
        return tuple(r for r in RELEASES if r in chosen.split(","))
    count = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
                           capture_output=True, text=True, check=False).stdout.strip()
    if not count.isdigit():
        return RELEASES[:1]
    return (RELEASES[int(count) % 2],)


def skip_unless_deployed(release: str) -> pytest.MarkDecorator:
    chosen = releases_to_deploy()
    return pytest.mark.skipif(
        release not in chosen,
        reason=f"this run deploys {', '.join(chosen)} (CI alternates by commit-count parity; "
               f"STACKINSTALL_E2E_RELEASES={release} or zed,epoxy runs it)")


#: The four nodes of a default lab, and the smoke step a kernel without br_netfilter blocks.
FOUR_NODES = frozenset({"openstack1", "openstack2", "openstack3", "openstack4"})
SECURITY_GROUP_STEP = "smoke: security groups are enforced"


def has_br_netfilter(lab: str, node: str) -> bool:
    """Whether security groups can be enforced on ``node`` (bridged traffic through iptables)."""
    return "yes" in on(lab, node, "test -e /proc/sys/net/bridge/bridge-nf-call-iptables "
                                  "&& echo yes || echo no")


def lab_under_test(lab: str, subnet: str, *up_args: str, down_args: tuple[str, ...] = ()):
    """Body of a module fixture: a lab already up is used and left up; one brought up here
    is taken down after the module. Yields its answer file."""
    created = not lab_running(lab)
    if created:
        ok("lab", "up", "--name", lab, "--subnet", subnet, *up_args, timeout=1800)
    yield LabPaths.for_lab(lab).answers
    if created:
        ok("lab", "down", "--name", lab, *down_args, timeout=900)


#: what must be gone from every node after destroy (the catalogue's packages, databases, data)
LEFT_BEHIND = ("dpkg-query -W -f '${Status} ${Package}\\n' 2>/dev/null | awk '/^install ok "
               "installed/ {print $4}' | grep -xE 'keystone|glance-api|placement-api|nova-.*|"
               "neutron-.*|cinder-.*|openstack-dashboard.*|ceph-(mon|mgr|osd|common)|"
               "mariadb-server|rabbitmq-server|memcached|etcd-server|openvswitch-switch' ; "
               "ls -d /var/lib/mysql /var/lib/rabbitmq /var/lib/ceph /var/lib/nova /var/lib/glance "
               "/var/lib/cinder /var/lib/neutron /var/lib/keystone /etc/nova /etc/neutron "
               "2>/dev/null; systemctl list-units --no-legend --plain 'nova-*' 'neutron-*' "
               "'ceph*' mariadb.service rabbitmq-server.service | awk '{print $1}'; true")


def destroy_and_deploy_again(lab: str, answers: Path, nodes: frozenset[str]) -> None:
    """Issue 12's last leg on a deployed lab: destroy needs --confirm NAME, leaves nothing on
    any node and the answer and secrets files as they were, a second destroy changes nothing;
    then deploy works again on the same nodes and its second run is changed=0."""
    secrets = LabPaths.for_lab(lab).secrets
    secrets_before, answers_before = secrets.read_text(), answers.read_text()
    refused = stackinstall("destroy", str(answers))
    assert refused.returncode == 2 and "--confirm" in refused.stderr, refused.stderr
    name = yaml.safe_load(answers_before)["deployment"]["name"]
    ok("destroy", str(answers), "--confirm", name)
    print("destroy (s):", last_summary(answers)["duration_s"])
    for node in sorted(nodes):
        assert on(lab, node, LEFT_BEHIND).split() == [], node
    assert (answers.read_text(), secrets.read_text()) == (answers_before, secrets_before)
    ok("destroy", str(answers), "--confirm", name)  # again: nothing to do
    assert all(c["changed"] == 0 for c in last_summary(answers)["hosts"].values())
    ok("deploy", str(answers))
    print("deploy after destroy (s):", last_summary(answers)["duration_s"])
    ok("deploy", str(answers))
    assert unchanged(last_summary(answers)) == {}, unchanged(last_summary(answers))

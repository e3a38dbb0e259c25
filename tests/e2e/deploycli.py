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


def start(*args: str) -> subprocess.Popen[str]:
    """The CLI started with ``args``, its output piped (wide, for readable failures)."""
    return subprocess.Popen([sys.executable, "-m", "installer", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"})


def stackinstall(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run the CLI; past ``timeout`` it gets SIGTERM (a deploy then stops ansible-playbook
    and prints which task hung where) and the test fails with the end of its output."""
    proc = start(*args)
    command = proc.args
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


#: The releases every CI run deploys, one after the other, each on its own four-node lab.
RELEASES = ("zed", "epoxy")
#: narrows a local run to some of RELEASES (CI's own entry point, .ci/run, unsets it)
RELEASES_VARIABLE = "STACKINSTALL_E2E_RELEASES"


def releases_to_deploy() -> tuple[str, ...]:
    """Which releases this run deploys end to end: every one of RELEASES, unless
    ``STACKINSTALL_E2E_RELEASES`` (``zed``, ``epoxy`` or ``zed,epoxy``) narrows the run.

    Nothing else decides: not the checkout, its commit count or date, so a commit's CI
    result depends on its content alone.
    """
    chosen = [r for r in os.environ.get(RELEASES_VARIABLE, "").replace(" ", "").split(",") if r]
    if not chosen:
        return RELEASES
    unknown = set(chosen) - set(RELEASES)
    if unknown:
        raise ValueError(f"{RELEASES_VARIABLE}: unknown {sorted(unknown)}; use "
                         f"{', '.join(RELEASES)} or both, comma-separated (unset: both)")
    return tuple(r for r in RELEASES if r in chosen)


def skip_unless_deployed(release: str) -> pytest.MarkDecorator:
    chosen = releases_to_deploy()
    return pytest.mark.skipif(
        release not in chosen,
        reason=f"{RELEASES_VARIABLE}={','.join(chosen)} narrows this run to "
               f"{', '.join(chosen)} (unset, as in CI, every run deploys {' and '.join(RELEASES)})")


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


#: the full deploy after destroy and its no-change re-run (about 13 minutes): opt-in, a full
#: deploy more does not fit CI's time beside both releases' deploys
DEPLOY_AGAIN_VARIABLE = "STACKINSTALL_E2E_DEPLOY_AGAIN"
OPT_IN_DEPLOY_AGAIN = pytest.mark.skipif(
    os.environ.get(DEPLOY_AGAIN_VARIABLE) != "1",
    reason=f"a full deploy after destroy adds about 13 minutes; not in CI "
           f"({DEPLOY_AGAIN_VARIABLE}=1 runs it)")


#: destroy on a four-node lab: CI destroys the all-in-one instead (test_allinone.py: every
#: service, Open vSwitch and Ceph on one node), which costs a third of the time
DESTROY_VARIABLE = "STACKINSTALL_E2E_DESTROY"
OPT_IN_DESTROY = pytest.mark.skipif(
    os.environ.get(DESTROY_VARIABLE) != "1",
    reason=f"destroy runs in CI on the all-in-one (test_allinone.py); on a four-node lab it is "
           f"opt-in ({DESTROY_VARIABLE}=1, with {DEPLOY_AGAIN_VARIABLE}=1 the deploy after it)")


def destroy_leaves_nothing(lab: str, answers: Path, nodes: frozenset[str]) -> None:
    """Destroy on a deployed lab: it needs --confirm NAME, leaves nothing on any node and the
    answer and secrets files as they were, and a second destroy changes nothing."""
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


def deploy_again(answers: Path) -> None:
    """After destroy: deploy works again on the same nodes and its second run is changed=0."""
    ok("deploy", str(answers))
    print("deploy after destroy (s):", last_summary(answers)["duration_s"])
    ok("deploy", str(answers))
    assert unchanged(last_summary(answers)) == {}, unchanged(last_summary(answers))

"""End to end, opt-in: ``--local`` inside a one-node lab. stackinstall is installed on the
node itself (a wheelhouse built here, copied in, installed offline) and deploys that node
with Ansible's local connection, no SSH; its own ``verify --smoke`` must be green.

Never run on the machine that runs the tests: everything that deploys runs inside the lab
node. Opt-in (``STACKINSTALL_E2E_LOCAL=1``; about 30-40 minutes on a busy 2-core machine):
``STACKINSTALL_E2E_LOCAL=1 pytest -m e2e tests/e2e/test_local.py -s`` as root. The lab is
``$STACKINSTALL_E2E_LOCAL_LAB`` (default ``lcl``) on ``$STACKINSTALL_E2E_LOCAL_SUBNET``
(default 10.236.0.0/24), Debian 12 (Zed); a lab already up is used and left up, one
brought up here is taken down (its image kept). In the node the work happens in
``$STACKINSTALL_E2E_LOCAL_DIR`` (default /root/local-proof): an answer file already there
is kept, so a second run re-deploys the same cloud (and must change nothing).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from deploycli import lab_running, ok, stackinstall
from labcli import skip_unless_lab_host

from installer.testbed.lab.paths import LabPaths

pytestmark = [
    pytest.mark.lab, pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("STACKINSTALL_E2E_LOCAL") != "1",
                       reason="the --local proof deploys a lab node from inside (about 30-40 "
                              "minutes); STACKINSTALL_E2E_LOCAL=1 runs it"),
]

LAB = os.environ.get("STACKINSTALL_E2E_LOCAL_LAB", "lcl")
SUBNET = os.environ.get("STACKINSTALL_E2E_LOCAL_SUBNET", "10.236.0.0/24")
WORK = os.environ.get("STACKINSTALL_E2E_LOCAL_DIR", "/root/local-proof")
NODE = "openstack1"
PATHS = LabPaths.for_lab(LAB)
REPO = Path(__file__).resolve().parents[2]
VENV = "/root/stackinstall-venv"
SI = f"{VENV}/bin/stackinstall"
GUEST_CACHE = Path("/var/cache/stackinstall/images/guest")

#: the lab's settings (apt proxy, Ceph, qemu, provider network) with the node that
#: `answers generate --local` wrote; a local node needs no ssh section
MERGE = """
import sys, yaml
lab, gen = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
lab["nodes"] = gen["nodes"]
lab["deployment"]["secrets_file"] = gen["deployment"]["secrets_file"]
lab.pop("ssh")
yaml.safe_dump(lab, open(sys.argv[3], "w"), sort_keys=False)
"""

skip_unless_lab_host()


def on(command: str, timeout: float = 3600, check: bool = True) -> subprocess.CompletedProcess:
    """``command`` in the lab node (over the lab's own SSH)."""
    proc = stackinstall("lab", "ssh", "--name", LAB, NODE, "--", command, timeout=timeout)
    if check:
        assert proc.returncode == 0, f"{command}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def copy_in(*sources: Path, to: str) -> None:
    ssh = ["-i", str(PATHS.private_key), "-o", f"UserKnownHostsFile={PATHS.known_hosts}",
           "-o", "StrictHostKeyChecking=accept-new", "-q"]
    address = _address()
    subprocess.run(["scp", *ssh, "-r", *map(str, sources), f"root@{address}:{to}"],
                   check=True, timeout=900)


def _address() -> str:
    nodes = yaml.safe_load(PATHS.answers.read_text())["nodes"]
    return next(n["address"] for n in nodes if n["name"] == NODE)


@pytest.fixture(scope="module")
def lab() -> Iterator[Path]:
    created = not lab_running(LAB, nodes=1)
    if created:
        ok("lab", "up", "--name", LAB, "--nodes", "1", "--subnet", SUBNET, "--suite",
           "bookworm", timeout=1800)
    yield PATHS.answers
    if created:
        ok("lab", "down", "--name", LAB, "--keep-image", timeout=900)


@pytest.fixture(scope="module")
def installed(lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """stackinstall in a venv on the node, from a wheelhouse built here (the node has no
    PyPI, only the lab's apt proxy)."""
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(wheels),
                    f"{REPO}[testbed]"], check=True, timeout=1800)
    on("DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv", timeout=900)
    on(f"rm -rf /root/wheels && mkdir -p /root/wheels {WORK}")
    copy_in(*sorted(wheels.iterdir()), to="/root/wheels/")
    copy_in(lab, to=f"{WORK}/lab-answers.yml")
    if GUEST_CACHE.is_dir():  # the smoke's guest image, so the node need not build it
        on("mkdir -p /var/cache/stackinstall/images")
        copy_in(GUEST_CACHE, to="/var/cache/stackinstall/images/")
        on(f"rm -f {GUEST_CACHE}/.lock")
    on(f"test -x {SI} || python3 -m venv {VENV}; {VENV}/bin/pip install -q --no-index "
       "--force-reinstall --no-deps --find-links /root/wheels stackinstall && "
       f"{VENV}/bin/pip install -q --no-index --find-links /root/wheels 'stackinstall[testbed]'",
       timeout=1800)
    return lab


@pytest.fixture(scope="module")
def answers(installed: Path) -> str:
    """The node's local answer file: generated by --local, with the lab's settings."""
    path = f"{WORK}/answers.yml"
    if on(f"test -f {path}", check=False).returncode != 0:
        gen = on(f"cd {WORK} && {SI} answers generate --local -o generated.yml "
                 "--secrets answers.secrets.yml").stdout
        assert "connection: local" in " ".join(gen.split())
        on(f"cd {WORK} && {VENV}/bin/python -c {shlex.quote(MERGE)} lab-answers.yml "
           "generated.yml answers.yml")
    return path


def test_the_answer_file_names_this_node_local(answers: str):
    generated = on(f"cat {WORK}/generated.yml").stdout
    assert f'- name: "{NODE}"' in generated and 'connection: "local"' in generated
    on(f"{SI} answers validate {answers}")


def test_preflight_runs_here_and_warns_what_changes(answers: str):
    report = json.loads(on(f"{SI} preflight {answers} --json").stdout)
    assert report["status"] == "passed", report
    checks = {r["check"]: r for r in report["results"]}
    assert checks["local connection"]["status"] == "pass"
    for concern in ("packages", "services", "provider interface"):
        assert checks[f"local node: {concern}"]["status"] == "warn"
    assert "eth1" in checks["local node: provider interface"]["found"]


def test_deploy_without_a_terminal_refuses_unless_yes(answers: str):
    refused = on(f"{SI} deploy {answers} --skip-preflight < /dev/null", check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--yes" in refused.stderr


def test_deploy_yes_deploys_the_node_itself(answers: str):
    started = time.monotonic()
    on(f"{SI} deploy {answers} --yes < /dev/null", timeout=5400)
    print(f"local deploy inside {LAB}/{NODE}: {time.monotonic() - started:.0f} s")
    host_vars = on(f"cat {WORK}/deployments/*/inventory/host_vars/{NODE}.yml").stdout
    assert "ansible_connection: local" in host_vars


def test_its_own_verify_with_the_smoke_is_green(answers: str):
    started = time.monotonic()
    proc = on(f"{SI} verify {answers} --smoke --json", timeout=2400, check=False)
    report = json.loads(proc.stdout)
    bad = [f"{r['node']}: {r['check']}: {r['message']}" for r in report["results"]
           if r["status"] != "pass"]
    print(f"verify --smoke inside {LAB}/{NODE}: {len(report['results'])} checks, "
          f"{time.monotonic() - started:.0f} s")
    assert proc.returncode == 0 and bad == [], bad


def test_a_second_deploy_changes_nothing(answers: str):
    on(f"{SI} deploy {answers} --yes < /dev/null", timeout=3600)
    summary = on(f"cat $(ls -d {WORK}/deployments/*/runs/* | tail -1)/summary.json").stdout
    hosts = json.loads(summary)["hosts"]
    assert {h: c["changed"] for h, c in hosts.items() if c["changed"]} == {}

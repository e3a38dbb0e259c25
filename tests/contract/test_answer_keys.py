"""Contract: every answer-file key reaches what Ansible reads, and dependencies are enforced.

Each key of the schema is changed to another valid value in a copy of answers/four-node.yml;
the rendered deployment directory must change. A key that cannot change it is listed in
NOT_RENDERED with the reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from installer.answers import check, load
from installer.answers.schema import SCHEMA, SERVICE_DEPENDENCIES, SERVICES
from installer.answers.secrets import fill
from installer.render import render

SAMPLE = Path(__file__).resolve().parents[2] / "answers" / "four-node.yml"

#: key -> (another valid value, settings it needs in both files)
CHANGES: dict[str, tuple[Any, dict[str, Any]]] = {
    "deployment.name": ("other", {}),
    # not epoxy: it takes another network.mechanism_driver than the sample's release
    "deployment.release": ("caracal", {}),
    "deployment.distro": ("ubuntu", {}),
    "ssh.user": ("stack", {"ssh.become": True}),
    "ssh.port": (2222, {}),
    "ssh.private_key": ("~/.ssh/id_other", {}),
    "ssh.become": (True, {}),
    "network.management_cidr": ("10.0.0.0/16", {}),
    "network.provider_interface": ("eth2", {}),
    "network.provider_physnet": ("physnet1", {}),
    "network.overlay": ("none", {}),
    "network.vni_range": ("1:50", {}),
    "network.provider_cidr": ("10.1.0.0/24", {}),
    "network.provider_pool": ("10.1.0.100-10.1.0.200", {"network.provider_cidr": "10.1.0.0/24"}),
    "network.provider_gateway": ("10.1.0.1", {"network.provider_cidr": "10.1.0.0/24"}),
    "ntp.servers": (["10.0.0.1"], {}),
    "ntp.allow": (["10.0.0.0/16"], {}),
    "locale.lang": ("de_DE.UTF-8", {}),
    "locale.lc_all": ("C", {}),
    "locale.prompt": ("$ ", {}),
    "locale.aliases": ({"ll": "ls -l"}, {}),
    "nova.virt_type": ("qemu", {}),
    "tuning.workers": (4, {}),
    "cinder.backend": ("ceph", {}),
    "cinder.device": ("/dev/sdc", {"cinder.backend": "device", "cinder.device": "/dev/sdb"}),
    "cinder.loop_size_gb": (20, {}),
    "ceph.osd_devices": (["/dev/sdc"], {"cinder.backend": "ceph"}),
    "ceph.osd_file_size_gb": (20, {"cinder.backend": "ceph"}),
    "repos.mirror": ("http://10.0.0.1/debian", {}),
    "repos.proxy": ("http://10.0.0.1:3128", {}),
    "repos.upgrade": ("never", {}),
    "tls.mode": ("off", {}),
    "tls.public_name": ("cloud.example.org", {}),
    "tls.public_address": ("192.0.2.10", {}),
    "tls.internal": (False, {"tls.public_address": "192.0.2.10"}),
}
#: keys that do not change the rendered directory, and why
NOT_RENDERED = {
    "deployment.secrets_file": "names the file the secrets are read from; their values are "
                               "rendered, not the name",
    "network.mechanism_driver": "openvswitch, its only other value, is refused by validate "
                                "with the sample's release (zed); epoxy takes only openvswitch",
    "ceph.mode": "external needs an existing cluster's keys; covered by "
                 "tests/unit/answers/test_ceph_answers.py",
    "ceph.monitors": "only with ceph.mode external (see ceph.mode)",
    "ceph.fsid": "only with ceph.mode external (see ceph.mode)",
    "tls.certificate": "tls.mode provided: the files are copied into DEPLOY_DIR/tls, not into "
                       "the inventory (tests/unit/tls/test_files.py)",
    "tls.key": "as tls.certificate",
    "tls.chain": "as tls.certificate",
}


def _write(path: Path, settings: dict[str, Any]) -> None:
    data = yaml.safe_load(SAMPLE.read_text())
    for dotted, value in settings.items():
        section, key = dotted.split(".")
        data[section][key] = value
    data["deployment"]["secrets_file"] = "four-node.secrets.yml"
    path.write_text(yaml.safe_dump(data))


def _rendered(tmp: Path, settings: dict[str, Any]) -> dict[str, str]:
    path = tmp / "answers.yml"
    _write(path, settings)
    out = render(load(path), tmp / "deploy").out_dir
    return {str(p.relative_to(out)): p.read_text() for p in sorted(out.rglob("*.yml"))
            if p.name != "secrets.yml"}


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("secrets")
    fill(base / "four-node.secrets.yml")
    return base


def test_every_schema_key_is_covered() -> None:
    keys = {f"{s}.{k}" for s, section in SCHEMA.items() for k in section.keys}
    assert keys == set(CHANGES) | set(NOT_RENDERED)


@pytest.mark.parametrize("key", sorted(CHANGES))
def test_every_answer_key_changes_the_rendered_variables(key: str, secrets_dir: Path,
                                                         tmp_path: Path) -> None:
    value, needs = CHANGES[key]
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(secrets_dir / "four-node.secrets.yml", tmp_path / name)
    before = _rendered(tmp_path / "a", needs)
    after = _rendered(tmp_path / "b", {**needs, key: value})
    assert before != after, f"{key}: {value!r} left the rendered directory as it was"


@pytest.mark.parametrize(("service", "needed"),
                         [(s, d) for s in SERVICES for d in SERVICE_DEPENDENCIES[s]])
def test_each_dependency_is_enforced(service: str, needed: str, secrets_dir: Path,
                                     tmp_path: Path) -> None:
    shutil.copy(secrets_dir / "four-node.secrets.yml", tmp_path)
    path = tmp_path / "answers.yml"
    _write(path, {})
    data = yaml.safe_load(path.read_text())
    data["services"] = [s for s in SERVICES if s != needed]
    path.write_text(yaml.safe_dump(data))
    problems = check(path)[3]
    assert any(p.key.startswith("services[") and p.message.startswith(f"{service} needs ")
               and needed in p.message for p in problems), (
        f"{service} without {needed}: {[str(p) for p in problems]}")

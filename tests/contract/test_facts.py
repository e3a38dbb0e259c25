"""Contract: each deployment fact has one place, the service catalogue.

The support matrix, the per-release differences, the TCP ports, the secret rules and the
inventory groups the plays run on are written in installer/catalogue/catalogue.yml only.
The roles read them as ``deployment_catalogue`` (what render writes), the Python code through
installer.catalogue. These tests fail on a copy anywhere else: a release name or a port
number in a role or a play, a release or port literal in the Python code, a secret length
in a role's assert, or a play whose hosts are not the catalogue's groups for its role.
Test files, molecule scenarios and the rendered sample inventories are left out: they state
expectations or are output.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from installer import catalogue
from installer.answers import checks, secrets
from installer.answers.schema import RELEASES, SUPPORT_MATRIX
from installer.preflight.platforms import PLATFORMS

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "roles"
PLAYBOOKS = ROOT / "playbooks"
INSTALLER = ROOT / "installer"
CATALOGUE_DIR = INSTALLER / "catalogue"
#: OpenStack series names a copy could use (the words to look for, not what is supported)
SERIES = ("yoga", "zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo",
          "gazpacho")
CAT = catalogue.load()
#: ports whose number is too common a word to look for (80)
PORTS = {name: port for name, port in CAT.ports.items() if port >= 1024}


def _ansible_files() -> Iterator[Path]:
    """Every role and play file an operator's deploy runs (molecule scenarios left out)."""
    for path in sorted([*ROLES.rglob("*.yml"), *ROLES.rglob("*.j2"), *PLAYBOOKS.glob("*.yml")]):
        if "molecule" not in path.relative_to(ROOT).parts:
            yield path


def _code_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of the lines that are not comments."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.lstrip().startswith(("#", "{#")):
            yield number, line


def _python_files() -> Iterator[Path]:
    for path in sorted(INSTALLER.rglob("*.py")):
        if CATALOGUE_DIR not in path.parents:
            yield path


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def _scan(pattern: re.Pattern[str]) -> list[str]:
    return [f"{_where(path, n)}: {line.strip()}" for path in _ansible_files()
            for n, line in _code_lines(path) if pattern.search(line)]


def evaluate(expression: str, **names: Any) -> Any:
    """A role variable's single Jinja expression, as Ansible evaluates it."""
    text = expression.strip()
    assert text.startswith("{{") and text.endswith("}}"), expression
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return env.compile_expression(text[2:-2])(**names)


def role_vars(role: str, name: str = "main.yml") -> dict[str, Any]:
    return yaml.safe_load((ROLES / role / "vars" / name).read_text(encoding="utf-8"))


# --- the support matrix ------------------------------------------------------------------


def test_no_role_or_play_names_a_release() -> None:
    """A release name in a role is a copy of the support matrix or of a release difference."""
    words = re.compile(rf"\b({'|'.join(SERIES)})\b")
    assert _scan(words) == [], "read deployment_catalogue.platforms / .release instead"


def _release_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Release names in collection literals and comparisons (defaults passed to calls pass)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict | ast.Compare):
            for child in ast.walk(node):
                if isinstance(child, ast.Constant) and child.value in SERIES:
                    yield child.lineno, str(child.value)


def test_no_python_module_lists_or_compares_releases() -> None:
    found = sorted({f"{_where(path, line)}: {name!r}" for path in _python_files()
                    for line, name in _release_literals(ast.parse(path.read_text("utf-8")))})
    assert found == [], "read installer.catalogue (platforms, native_releases, facts) instead"


def test_the_schema_and_preflight_take_the_catalogue_matrix() -> None:
    assert CAT.support_matrix() == SUPPORT_MATRIX
    assert set(RELEASES) == {r for versions in CAT.platforms.values()
                             for rs in versions.values() for r in rs}
    assert {(f, v): rs for f, versions in CAT.platforms.items()
            for v, rs in versions.items()} == PLATFORMS


@pytest.mark.parametrize(("family", "version"), [*sorted(PLATFORMS), ("debian", "11")])
def test_the_repos_check_takes_the_catalogue_matrix(family: str, version: str) -> None:
    values = role_vars("repos")
    rendered = CAT.rendered()
    supported = evaluate(values["__repos_supported"], deployment_catalogue=rendered)
    node_releases = evaluate(values["__repos_node_releases"], __repos_supported=supported,
                             __repos_detected_distro=family, __repos_detected_version=version)
    assert list(node_releases) == list(PLATFORMS.get((family, version), ()))


def test_the_repos_role_takes_the_native_releases() -> None:
    ubuntu = yaml.safe_load((ROLES / "repos" / "vars" / "Ubuntu.yml").read_text())
    native = evaluate(role_vars("repos")["__repos_ubuntu_native"],
                      deployment_catalogue=CAT.rendered())
    assert native == CAT.native_releases["ubuntu"]
    assert "__repos_ubuntu_native" in ubuntu["__repos_cloud_archive"]


# --- per-release differences -------------------------------------------------------------


@pytest.mark.parametrize("release", catalogue.releases())
def test_neutron_and_validate_take_the_release_linuxbridge_fact(release: str) -> None:
    has = catalogue.load(release).facts["neutron_linuxbridge"]
    role = evaluate(role_vars("neutron", "releases.yml")["__neutron_linuxbridge"],
                    deployment_catalogue=catalogue.load(release).rendered())
    assert role is has
    assert (checks.mechanism_driver("linuxbridge", release) is None) is has
    assert (checks.mechanism_driver("openvswitch", release) is None) is not has


def test_linuxbridge_is_refused_from_epoxy_on() -> None:
    assert catalogue.load("epoxy").facts["neutron_linuxbridge"] is False
    assert catalogue.load("dalmatian").facts["neutron_linuxbridge"] is True


@pytest.mark.parametrize("release", catalogue.releases())
def test_horizon_takes_the_release_interpreter_fact(release: str) -> None:
    expression = role_vars("horizon", "releases.yml")["__horizon_main_interpreter"]
    for os_family in ("Debian", "RedHat"):
        got = evaluate(expression, deployment_catalogue=catalogue.load(
            release).rendered(), ansible_facts={"os_family": os_family})
        want = catalogue.load(release).facts["horizon_main_interpreter"]
        assert got is (want and os_family == "Debian")


def test_every_release_fact_is_read() -> None:
    """A fact nobody reads is dead; one read under another name is a copy."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in [*_ansible_files(),
                                                             *_python_files()])
    for fact in CAT.facts:
        assert (f"deployment_catalogue.release.{fact}" in text
                or f'facts["{fact}"]' in text), f"no role or module reads the fact {fact}"


# --- ports -------------------------------------------------------------------------------


def test_no_role_or_play_names_a_port_number() -> None:
    numbers = re.compile(rf"(?<![\w.])({'|'.join(map(str, PORTS.values()))})(?![\w.])")
    assert _scan(numbers) == [], "read deployment_catalogue.ports.<name> instead"


def _port_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    address = re.compile(rf":({'|'.join(map(str, CAT.ports.values()))})\b")
    # API port numbers are common numbers elsewhere (a deque of 5000 lines); their URLs are
    # caught as strings, and test_catalogue.py holds the roles to deployment_catalogue.apis.
    numbers = set(PORTS.values()) - {s.api.port for s in CAT.services.values() if s.api}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if match := address.search(node.value):
                yield node.lineno, match.group(0)
        elif (isinstance(node, ast.Constant) and type(node.value) is int
              and node.value in numbers):
            yield node.lineno, str(node.value)


def test_no_python_module_names_a_port_number() -> None:
    found = [f"{_where(path, line)}: {text!r}" for path in _python_files()
             for line, text in _port_literals(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == [], "read installer.catalogue.load().port(name) instead"


def test_the_port_defaults_read_the_catalogue() -> None:
    defaults = {"rabbitmq": ("rabbitmq_port", "rabbitmq"),
                "memcached": ("memcached_port", "memcached"),
                "etcd": ("etcd_client_port", "etcd_client"),
                "nova": ("nova_novncproxy_port", "nova_novncproxy"),
                "openstack_service": ("openstack_service_rabbitmq_port", "rabbitmq")}
    for role, (variable, port) in defaults.items():
        values = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text())
        assert evaluate(values[variable], deployment_catalogue=CAT.rendered()) == CAT.port(port)


# --- secret rules ------------------------------------------------------------------------

SECRET_VARIABLE = r"\w*(password|secret|_key)\b"


def test_role_asserts_take_the_minimum_secret_length() -> None:
    literal = re.compile(rf"{SECRET_VARIABLE}\s*\|\s*length\s*>=?\s*\d+|shorter\s+than\s+\d+")
    assert _scan(literal) == [], "use deployment_catalogue.secrets.min_length"
    asserted = _scan(re.compile(rf"{SECRET_VARIABLE}\s*\|\s*length\s*>="
                                r"\s*deployment_catalogue\.secrets\.min_length"))
    roles = {line.split("/")[1] for line in asserted}
    assert roles >= {"keystone", "nova", "neutron", "openstack_post", "glance", "placement",
                     "rabbitmq", "cinder", "mariadb", "openstack_service", "horizon"}


def test_python_takes_the_secret_rules() -> None:
    rules = CAT.secret_rules
    assert (rules.min_length, rules.weak_words) == (secrets.MIN_LENGTH, secrets.WEAK_WORDS)
    assert CAT.rendered()["secrets"]["min_length"] == rules.min_length
    short = "x7Kq-9pL" * ((rules.min_length - 1) // 8 + 1)
    assert secrets.weakness(short[: rules.min_length - 1]) is not None
    assert secrets.weakness(short[: rules.min_length]) is None
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assert not any(re.search(r"MIN_LENGTH|WEAK|MIN_DISTINCT", n) for n in names), (
                    f"{_where(path, node.lineno)}: {names} is a secret rule; read "
                    "catalogue.load().secret_rules")


# --- play host patterns ------------------------------------------------------------------
# A contract test, not a variable: a play's hosts: is templated before the inventory's
# variables exist (only extra vars would do), and a plain pattern keeps the plays readable.


def _plays() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(PLAYBOOKS.glob("*.yml")):
        for play in yaml.safe_load(path.read_text(encoding="utf-8")):
            if "hosts" in play:
                yield path, play


def test_each_play_runs_on_its_roles_catalogue_groups() -> None:
    by_role: dict[str, set[str]] = {}
    for group in CAT.groups.values():
        by_role.setdefault(CAT.services[group.service].role, set()).add(group.name)
    played: set[str] = set()
    for path, play in _plays():
        hosts = set(str(play["hosts"]).split(":"))
        for entry in play.get("roles", []):
            role = entry["role"] if isinstance(entry, dict) else entry
            played.add(role)
            if role in by_role:
                assert hosts == by_role[role], (
                    f"{path.name}: play {play['name']!r} runs {role} on {play['hosts']}; the "
                    f"catalogue's groups for it are {':'.join(sorted(by_role[role]))}")
            else:  # a role of no catalogue service: everywhere, or where a service runs
                assert hosts == {"all"} or hosts <= set(CAT.groups), (
                    f"{path.name}: {play['hosts']} names no catalogue group")
    assert set(by_role) <= played, f"no play runs {set(by_role) - played}"


# --- answer-file patterns ----------------------------------------------------------------
# What an answer-file text may be, where a role checks it too (catalogue.yml: patterns):
# answers validate (installer/answers/checks.py) and the role read the one pattern.

#: (pattern, role, the variable its check tests)
ROLE_PATTERN_CHECKS = [
    ("alias_name", "locale", "locale_aliases.keys()"),
    ("alias_command", "locale", "locale_aliases.values()"),
    ("locale", "locale", "locale_lang"),
    ("locale", "locale", "locale_lc_all"),
    ("prompt", "locale", "locale_prompt"),
    ("django_setting", "horizon", "horizon_config_overrides.keys()"),
    ("device", "cinder", "cinder_device"),
    ("device", "ceph", "ceph_osd_devices"),
    ("vni_range", "neutron", "neutron_vni_range"),
    ("physnet", "neutron", "neutron_provider_physnet"),
    ("interface", "neutron", "neutron_provider_interface"),
]


@pytest.mark.parametrize(("pattern", "role", "variable"), ROLE_PATTERN_CHECKS)
def test_role_checks_read_the_answer_pattern(pattern: str, role: str, variable: str) -> None:
    """The role's check names the catalogue's pattern, matched whole, on the variable."""
    text = (ROLES / role / "tasks" / "checks.yml").read_text(encoding="utf-8")
    uses = [line for line in text.splitlines()
            if f"deployment_catalogue.patterns.{pattern}, match_type='fullmatch')" in line]
    assert any(f"{variable} is regex(" in line or f"{variable} | " in line
               for line in uses), (
        f"roles/{role}/tasks/checks.yml must check {variable} with "
        f"regex(deployment_catalogue.patterns.{pattern}, match_type='fullmatch')")


def test_python_takes_the_answer_patterns() -> None:
    assert {name: p.pattern for name, p in checks.PATTERNS.items()} == dict(CAT.patterns)
    assert CAT.rendered()["patterns"] == dict(CAT.patterns)
    # group_vars/all/catalogue.yml is templated by Ansible: no pattern may look like Jinja
    assert [name for name, p in CAT.patterns.items() if checks.text(p)] == []
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        for name, pattern in CAT.patterns.items():
            assert pattern not in text, (
                f"{path.relative_to(ROOT)} copies the pattern {name}; read "
                "installer.answers.checks.PATTERNS (catalogue.yml: patterns)")


def test_no_role_checks_an_answer_value_with_a_pattern_of_its_own() -> None:
    """A regex literal on a checked variable in a role's checks is a second copy of the rule
    (roles/locale's reject of C and POSIX when it picks the locales to generate is no check)."""
    variables = "|".join(re.escape(v.split(".")[0]) for _p, _r, v in ROLE_PATTERN_CHECKS)
    literal = re.compile(rf"({variables})\b.*\b(regex|match|search)(\(|'\s*,\s*)'")
    copies = [where for name, pattern in CAT.patterns.items()
              for where in _scan(re.compile(re.escape(pattern)))]
    own = [where for where in _scan(literal) if "/tasks/checks.yml:" in where]
    assert copies + own == [], "read deployment_catalogue.patterns.<name> instead"


def test_preflight_and_verify_name_the_volume_group_the_cinder_role_makes() -> None:
    """The volume group's name lives in roles/cinder's defaults; preflight (a re-run's
    device is the deployment's own) and verify (the volume group check) read it as
    CINDER_VOLUME_GROUP, which must be the same."""
    from installer.preflight.devices import CINDER_VOLUME_GROUP
    from installer.verify.nodetests import test_lvm_iscsi

    defaults = yaml.safe_load((ROOT / "roles/cinder/defaults/main.yml").read_text())
    assert defaults["cinder_volume_group"] == CINDER_VOLUME_GROUP
    assert test_lvm_iscsi.VOLUME_GROUP == CINDER_VOLUME_GROUP


def test_preflight_looks_for_osds_where_the_ceph_role_keeps_them() -> None:
    """A re-run's OSD device is the deployment's own when an OSD directory's ``block`` links
    to it; preflight looks under CEPH_OSD_DATA_ROOT, roles/ceph makes them under
    ceph_osd_data_root."""
    from installer.preflight.devices import CEPH_OSD_DATA_ROOT

    defaults = yaml.safe_load((ROOT / "roles/ceph/defaults/main.yml").read_text())
    assert defaults["ceph_osd_data_root"] == CEPH_OSD_DATA_ROOT

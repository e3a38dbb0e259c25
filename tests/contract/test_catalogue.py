"""Contract: the roles, the answer-file schema and verify agree with the service catalogue.

For each distro family (debian, ubuntu, redhat) the role variables are evaluated the way
Ansible does for a node of that family: the role's vars/main.yml, then the family file its
first_found picks (Ubuntu.yml, else Debian.yml, for Ubuntu), with ``deployment_catalogue`` as
render writes it. What the roles install and start must be exactly what verify expects.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from installer import catalogue
from installer.answers.schema import (
    SERVICE_CONFIG_FILES,
    SERVICES,
    SUPPORT_MATRIX,
)

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "roles"
FAMILIES = catalogue.FAMILIES
FAMILY_FILES = {"debian": ("Debian.yml",), "ubuntu": ("Ubuntu.yml", "Debian.yml"),
                "redhat": ("RedHat.yml",)}
#: settings that select components (rendered variable -> value), as on the lab
SETTINGS = {"nova_virt_type": "qemu", "neutron_mechanism_driver": "linuxbridge",
            "cinder_backend": "loop"}
#: role variables naming packages or units that are not a service's (no inventory group)
NOT_SERVICES = {"__base_packages", "__locale_packages", "__locale_alias_packages",
                "__repos_dnf_plugin_packages", "__repos_rdo_packages",
                "__repos_cloud_archive_packages"}

#: inventory group -> (role, role variables it installs, role variables it starts)
GROUPS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "chrony_server": ("chrony", ("__chrony_packages",), ("__chrony_service",)),
    "chrony_client": ("chrony", ("__chrony_packages",), ("__chrony_service",)),
    "mariadb": ("mariadb", ("__mariadb_packages",), ("__mariadb_service",)),
    "rabbitmq": ("rabbitmq", ("__rabbitmq_packages",),
                 ("__rabbitmq_service", "__rabbitmq_epmd_socket")),
    "memcached": ("memcached", ("__memcached_packages",), ("__memcached_service",)),
    "etcd": ("etcd", ("__etcd_packages",), ("__etcd_service",)),
    "keystone": ("keystone", ("__keystone_packages",),
                 ("__keystone_service", "__keystone_rotation_timer")),
    "glance": ("glance", ("__glance_packages",), ("__glance_service",)),
    "placement": ("placement", ("__placement_packages",), ("__placement_service",)),
    "horizon": ("horizon", ("__horizon_packages",), ("__horizon_service",)),
    "nova_controller": ("nova", ("__nova_controller_packages",),
                        ("__nova_controller_services",)),
    "nova_compute": ("nova", ("__nova_compute_packages.qemu", "__nova_configdrive_packages"),
                     ("__nova_compute_services", "__nova_hypervisor_services")),
    "neutron_server": ("neutron", ("__neutron_server_packages",),
                       ("__neutron_server_services",)),
    "neutron_agents": ("neutron", ("__neutron_agent_packages",),
                       ("__neutron_agent_services.l3", "__neutron_agent_services.dhcp",
                        "__neutron_agent_services.metadata")),
    "neutron_l2_agent": ("neutron", ("__neutron_l2_packages.linuxbridge",),
                         ("__neutron_l2_services.linuxbridge",)),
    "cinder_controller": ("cinder", ("__cinder_controller_packages",),
                          ("__cinder_controller_services",)),
    "cinder_volume": ("cinder", ("__cinder_volume_packages",),
                      ("__cinder_volume_services", "__cinder_target_services")),
    "ceph_client": ("ceph", ("__ceph_client_packages",), ()),
    "haproxy": ("haproxy", ("__haproxy_packages",), ("__haproxy_service",)),
    "tls_client": ("tls", ("__tls_packages",), ()),
}


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def role_vars(role: str, family: str) -> dict[str, Any]:
    """vars/main.yml, then the family file roles/distro_vars loads for the role (as Ansible
    does)."""
    values = _load(ROLES / role / "vars" / "main.yml")
    for name in FAMILY_FILES[family]:
        path = ROLES / role / "vars" / name
        if path.exists():
            values.update(_load(path))
            break
    return values


#: role variables that pick their component per node
GROUP_COMPONENT = {"__chrony_packages": "chrony_server", "__chrony_service": "chrony_server"}


def evaluate(value: Any, family: str, release: str = "zed", component: str | None = None) -> Any:
    """A role variable that reads the catalogue, evaluated for a node of ``family``."""
    if isinstance(value, dict):
        return {k: evaluate(v, family, release, component) for k, v in value.items()}
    if not isinstance(value, str) or "{{" not in value:
        return value
    expression = value.strip()
    assert expression.startswith("{{") and expression.endswith("}}"), value
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["flatten"] = lambda lists: [x for sub in lists for x in sub]  # Ansible's
    compiled = env.compile_expression(expression[2:-2])
    return compiled(deployment_catalogue=catalogue.load(release).rendered(),
                    deployment_family=family, __chrony_component=component)


def _names(role: str, family: str, variables: tuple[str, ...], group: str) -> set[str]:
    values = role_vars(role, family)
    names: set[str] = set()
    for dotted in variables:
        name, _, key = dotted.partition(".")
        value = evaluate(values[name], family, component=group if role == "chrony" else None)
        value = value[key] if key else value
        names.update([value] if isinstance(value, str) else value)
    return names - {""}  # "": the family has no such unit


def _expected(group: str, family: str, kind: str) -> set[str]:
    cat = catalogue.load()
    return {n for c in cat.in_group(group, SETTINGS) for n in getattr(c, kind)[family]}


@pytest.mark.parametrize("release", sorted({r for rs in SUPPORT_MATRIX.values() for r in rs}))
def test_the_catalogue_loads_for_every_release(release: str) -> None:
    cat = catalogue.load(release)
    assert set(cat.openstack_services) == set(SERVICES)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("group", sorted(GROUPS))
def test_what_a_role_installs_and_starts_is_what_verify_expects(group: str, family: str) -> None:
    role, packages, units = GROUPS[group]
    assert _names(role, family, packages, group) == _expected(group, family, "packages")
    assert _names(role, family, units, group) == _expected(group, family, "units")


def test_every_group_with_components_is_covered() -> None:
    cat = catalogue.load()
    with_names = {c.group for c in cat.components.values()
                  if any(c.packages[f] or c.units[f] for f in FAMILIES)}
    # ceph_mon and ceph_osd are installed on top of ceph_client by the same task
    assert with_names - set(GROUPS) == {"ceph_mon", "ceph_osd"}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("role", sorted(p.name for p in ROLES.iterdir() if (p / "vars").is_dir()))
def test_roles_name_no_package_or_unit_of_their_own(role: str, family: str) -> None:
    """Every package/unit variable of a service reads the catalogue; none is a literal."""
    for name, value in role_vars(role, family).items():
        if re.search(r"_(packages|services|service)$", name) and name not in NOT_SERVICES:
            text = yaml.safe_dump(value)
            if "deployment_catalogue" in text:
                evaluate(value, family, component=GROUP_COMPONENT.get(name))
            else:  # made of the role's own catalogue variables only, no literal name
                assert re.search(rf"__{role}_\w+", text) and not re.search(r"'[a-z0-9-]+'",
                                                                            text), (
                    f"roles/{role}: {name} is {value!r}")


def test_every_component_is_read_by_its_services_role() -> None:
    cat = catalogue.load()
    for comp in cat.components.values():
        role = cat.services[cat.groups[comp.group].service].role
        text = "\n".join(p.read_text() for p in (ROLES / role).rglob("*.yml"))
        assert f"components.{comp.name}." in text or f"'{comp.name}'" in text, (
            f"roles/{role} never reads {comp.name}")


@pytest.mark.parametrize("service", sorted(SERVICE_CONFIG_FILES))
def test_overrides_validate_accepts_are_the_files_the_role_merges(service: str) -> None:
    role = catalogue.load().services[service].role
    text = (ROLES / role / "vars" / "main.yml").read_text()
    merged = set(re.findall(rf"{service}_config_overrides\['([^']+)'\]", text))
    assert merged == set(SERVICE_CONFIG_FILES[service])
    checks = (ROLES / role / "tasks" / "checks.yml").read_text()
    assert (f"difference(deployment_catalogue.overrides.{service})" in checks
            or "__neutron_files_all | map(attribute='name')" in checks)


@pytest.mark.parametrize("service", [s for s in SERVICES
                                     if catalogue.load().services[s].api])
def test_api_ports_and_registrations_read_the_catalogue(service: str) -> None:
    role = catalogue.load().services[service].role
    defaults = (ROLES / role / "defaults" / "main.yml").read_text()
    assert f"deployment_catalogue.apis.{service}.port" in defaults
    # wherever the role registers (keystone: bootstrap.yml; the others: tasks/main.yml)
    text = "\n".join(p.read_text() for p in sorted((ROLES / role / "tasks").glob("*.yml")))
    for field in ("name", "type", "description"):
        assert f"deployment_catalogue.apis.{service}.{field}" in text


@pytest.mark.parametrize("family", FAMILIES)
def test_verify_config_files_match_the_roles(family: str) -> None:
    """The horizon settings file and its group are the role's; every INI file is rendered."""
    cat = catalogue.load()
    horizon = role_vars("horizon", family)
    config = cat.components["horizon"].configs[0]
    assert config.path == horizon["__horizon_settings_file"]
    assert config.group[family] == horizon["__horizon_web_group"]
    rendered = "\n".join((ROLES / r / "vars" / "main.yml").read_text()
                         for r in ("keystone", "glance", "placement", "nova", "neutron",
                                   "cinder"))
    for comp in cat.components.values():
        for cfg in comp.configs:
            if cfg.path.endswith((".conf", ".ini")) and comp.group != "horizon":
                assert cfg.path in rendered or Path(cfg.path).name in rendered, cfg.path


FOUR_NODE_GROUPS = {"nova_controller": ["openstack1"], "cinder_controller": ["openstack1"],
                    "nova_compute": ["openstack3"], "cinder_volume": ["openstack4"]}


@pytest.mark.parametrize("family", FAMILIES)
def test_the_post_phase_waits_for_each_reporting_service_by_its_unit(family: str) -> None:
    """openstack_post's list of services that must report up, rendered as Ansible does: one
    entry per binary and node, its unit one of the component's units on that family."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.tests["match"] = lambda value, pattern: re.match(pattern, value) is not None  # Ansible's
    raw = role_vars("openstack_post", family)["__openstack_post_reporting"]
    text = env.from_string(raw.strip()).render(
        deployment_catalogue=catalogue.load().rendered(), deployment_family=family,
        groups=FOUR_NODE_GROUPS)
    entries = yaml.safe_load(text)  # the repr of a list of dicts of strings
    got = {(e["proxy"], e["binary"], e["host"], e["unit"]) for e in entries}
    prefix = "openstack-" if family == "redhat" else ""
    assert got == {
        ("compute", "nova-conductor", "openstack1", f"{prefix}nova-conductor"),
        ("compute", "nova-scheduler", "openstack1", f"{prefix}nova-scheduler"),
        ("compute", "nova-compute", "openstack3", f"{prefix}nova-compute"),
        ("block_storage", "cinder-scheduler", "openstack1", f"{prefix}cinder-scheduler"),
        ("block_storage", "cinder-volume", "openstack4", f"{prefix}cinder-volume"),
    }
    assert all(e["name"] == f"{e['binary']}@{e['host']}" for e in entries)


def test_verify_checks_the_services_the_catalogue_says_report() -> None:
    """verify's service-list checks and the post phase's wait name the same binaries."""
    source = (ROOT / "installer" / "verify" / "nodetests" / "test_openstack_api.py").read_text()
    checked = set(re.findall(r'_down\(rows, "([a-z-]+)"', source))
    reported = {b for c in catalogue.load().components.values()
                for binaries in c.reports.values() for b in binaries}
    assert checked == reported


def test_the_catalogue_refuses_a_reported_binary_that_is_no_unit() -> None:
    with pytest.raises(catalogue.CatalogueError,
                       match=r"components\.x\.reports: nova-api is no unit of redhat"):
        catalogue._reports({"compute": ["nova-api"]},
                           {"debian": ("nova-api",), "ubuntu": ("nova-api",),
                            "redhat": ("openstack-nova-apix",)}, "components.x")

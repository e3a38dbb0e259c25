"""Contract: on every distro family, each port an OpenStack role serves is bound to the role's
``<role>_bind_address`` (the management address), never left on a wildcard.

A role binds a port in one of two ways: a file of its distro values that
roles/openstack_service tasks/listen.yml writes (``__<role>_listen_files``: the arguments
Debian's init script of a uWSGI API reads from /etc/default, an Apache ``Listen``), or an
option of the service's own INI file (the rendered content in its vars/main.yml).
The catalogue allows no API port on a wildcard.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from installer import catalogue
from tests.contract.test_catalogue import FAMILIES, role_vars

ROOT = Path(__file__).resolve().parents[2]
LISTEN_TASKS = ROOT / "roles" / "openstack_service" / "tasks" / "listen.yml"
#: component whose ports a role serves -> the role
SERVED = {"keystone": "keystone", "glance": "glance", "placement": "placement",
          "nova_controller": "nova", "neutron_server": "neutron",
          "cinder_controller": "cinder", "horizon": "horizon"}
#: port name -> (role variable, section, option): where the service's own INI file binds it
INI_BINDS = {
    "glance": ("__glance_api_conf", "DEFAULT", "bind_host"),
    "nova_api": ("__nova_conf_controller", "DEFAULT", "osapi_compute_listen"),
    "nova_metadata": ("__nova_conf_controller", "DEFAULT", "metadata_listen"),
    "nova_novncproxy": ("__nova_conf_controller", "vnc", "novncproxy_host"),
    "neutron": ("__neutron_conf_server", "DEFAULT", "bind_host"),
    "cinder": ("__cinder_conf_controller", "DEFAULT", "osapi_volume_listen"),
}
CAT = catalogue.load()


def _port_names() -> list[tuple[str, str]]:
    by_number = {number: name for name, number in CAT.ports.items()}
    return [(component, by_number[port]) for component in SERVED
            for port in CAT.components[component].ports]


def _binds(role: str, family: str, port_name: str) -> list[str]:
    """How ``role`` binds ``port_name`` on ``family``: the kinds of file, 'ini' for an INI
    option set to the role's bind address."""
    values = role_vars(role, family)
    found = [f"{entry['kind']}:{entry['path']}" for entry in values.get(f"__{role}_listen_files")
             or [] if entry["port"] == port_name]
    if port_name in INI_BINDS:
        variable, section, option = INI_BINDS[port_name]
        if values[variable][section].get(option) == f"{{{{ {role}_bind_address }}}}":
            found.append("ini")
    return found


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("component", "port_name"), _port_names())
def test_every_served_port_is_bound_to_the_management_address(
        component: str, port_name: str, family: str) -> None:
    role = SERVED[component]
    binds = _binds(role, family, port_name)
    assert binds, f"{role} leaves port {port_name} on its package's default address ({family})"
    for entry in role_vars(role, family).get(f"__{role}_listen_files") or []:
        assert entry["kind"] in {"debian_init", "apache"}
        assert entry["port"] in CAT.ports


@pytest.mark.parametrize("family", FAMILIES)
def test_debian_uwsgi_apis_are_bound_by_their_init_arguments(family: str) -> None:
    """Debian runs the APIs under uWSGI, which reads no bind option of the INI files."""
    uwsgi = {e["port"] for role in set(SERVED.values())
             for e in role_vars(role, family).get(f"__{role}_listen_files") or []
             if e["kind"] == "debian_init"}
    expected = {"keystone", "placement", "nova_api", "nova_metadata", "neutron", "cinder"}
    assert uwsgi == (expected if family == "debian" else set())


def test_every_bind_address_defaults_to_the_shared_management_address() -> None:
    for role in set(SERVED.values()):
        defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())
        assert defaults[f"{role}_bind_address"] == "{{ openstack_service_bind_address }}"
    shared = yaml.safe_load((ROOT / "roles" / "openstack_service" / "defaults" /
                             "main.yml").read_text())
    assert shared["openstack_service_bind_address"] == "{{ openstack_service_backend_address }}"


@pytest.mark.parametrize(("tls", "expected"), [(True, "127.0.0.1"), (False, "10.0.0.11")])
def test_the_services_move_behind_the_front_door_only_with_tls(tls: bool, expected: str) -> None:
    """With TLS, HAProxy holds the ports on the controller's addresses and the services
    listen on the catalogue's backend address (loopback); without it, on the management
    address as before."""
    shared = yaml.safe_load((ROOT / "roles" / "openstack_service" / "defaults" /
                             "main.yml").read_text())
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["bool"] = bool
    expression = " ".join(shared["openstack_service_backend_address"].split())
    value = env.from_string(expression).render(
        openstack_service_tls=tls, node_address="10.0.0.11",
        deployment_catalogue=CAT.rendered())
    assert value == expected


def _apache_task() -> dict[str, Any]:
    tasks = yaml.safe_load(LISTEN_TASKS.read_text())
    return next(t["ansible.builtin.lineinfile"] for t in tasks
                if "ansible.builtin.lineinfile" in t)


def _rewrite(text: str, port: int, address: str) -> str:
    """The Apache task as Ansible's lineinfile applies it: its regexp (Python's re) on each
    line, the last match replaced by its line."""
    task = _apache_task()
    regexp = re.compile(task["regexp"].replace(
        "{{ deployment_catalogue.ports[item.port] }}", str(port)))
    line = task["line"].replace("{{ openstack_service_listen_address }}", address).replace(
        "{{ deployment_catalogue.ports[item.port] }}", str(port))
    lines = text.splitlines()
    matches = [i for i, x in enumerate(lines) if regexp.search(x)]
    if matches:
        lines[matches[-1]] = line
    return "\n".join(lines)


@pytest.mark.parametrize(("packaged", "port"), [
    ("Listen 80\n<IfModule ssl_module>\n\tListen 443\n</IfModule>", 80),  # Debian ports.conf
    ("Listen 5000\n<VirtualHost *:5000>", 5000),  # Ubuntu's keystone site
    ("Listen 0.0.0.0:8778\n<VirtualHost *:8778>", 8778),  # a wildcard written out
    ("Listen 10.0.0.11:80", 80),  # a second run: already bound
])
def test_the_apache_listen_line_moves_to_the_management_address(packaged: str,
                                                                 port: int) -> None:
    rendered = _rewrite(packaged, port, "10.0.0.11")
    listens = [x.strip() for x in rendered.splitlines() if x.strip().startswith("Listen")]
    assert f"Listen 10.0.0.11:{port}" in listens
    assert not [x for x in listens if x.endswith(f" {port}") or "0.0.0.0" in x]
    assert _rewrite(rendered, port, "10.0.0.11") == rendered  # idempotent
    if port == 80:
        assert "Listen 443" in listens or "443" not in packaged  # other ports untouched


#: the lines of Debian 13's /etc/init.d/keystone (openstack-pkg-tools) that matter here
DEBIAN_INIT = """
UWSGI_PORT=5000
UWSGI_INI_PATH=/etc/keystone/keystone-uwsgi.ini
UWSGI_BIND_IP=""
DAEMON_ARGS="--http-socket ${UWSGI_BIND_IP}:${UWSGI_PORT}"
DAEMON_ARGS="${DAEMON_ARGS} --ini ${UWSGI_INI_PATH}"
[ -r "$DEFAULTS" ] && . "$DEFAULTS"
printf '%s' "$DAEMON_ARGS"
"""


def test_debian_init_script_gets_the_address_from_its_defaults(tmp_path: Path) -> None:
    """The rendered /etc/default file, read by the init script as Debian's does (sh)."""
    template = (ROOT / "roles" / "openstack_service" / "templates" / "init-default.j2")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["comment"] = lambda text: f"# {text}"
    env.filters["basename"] = lambda path: Path(path).name
    rendered = env.from_string(template.read_text()).render(
        ansible_managed="managed", openstack_service_listen_address="10.0.0.11",
        deployment_catalogue=CAT.rendered(),
        item={"path": "/etc/default/keystone", "port": "keystone"})
    (tmp_path / "keystone").write_text(rendered)
    packaged = subprocess.run(["sh", "-c", DEBIAN_INIT], capture_output=True, text=True,
                              check=True, env={"DEFAULTS": str(tmp_path / "none")}).stdout
    assert packaged == "--http-socket :5000 --ini /etc/keystone/keystone-uwsgi.ini"
    bound = subprocess.run(["sh", "-c", DEBIAN_INIT], capture_output=True, text=True,
                           check=True, env={"DEFAULTS": str(tmp_path / "keystone")}).stdout
    assert bound == "--http-socket 10.0.0.11:5000 --ini /etc/keystone/keystone-uwsgi.ini"


def test_the_catalogue_allows_no_served_port_on_a_wildcard() -> None:
    for release in catalogue.releases():
        cat = catalogue.load(release)
        served = {p for c in SERVED for p in cat.components[c].ports}
        for rule in cat.wildcards:
            assert rule.reason
            if rule.ports:
                assert not set(rule.ports) & served, rule
            else:  # any port of the process: never a process that serves an API
                assert rule.process not in {"uwsgi", "apache2", "httpd"}, rule

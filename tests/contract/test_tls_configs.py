"""Contract: the configs the roles render put every client behind the TLS front door.

For each distro family (debian, ubuntu, redhat) the roles' variables are evaluated by
Ansible's own templating (ansible-core's Templar, in this process) over a deployment that
``render`` wrote from the sample answer file: the role's defaults, vars/main.yml, its family
file (as roles/distro_vars picks it), the rendered group_vars and host_vars. Then:

- with TLS (the default) every API's ``[keystone_authtoken]`` and every service-to-service
  client section names the CA and https URLs, the APIs read HAProxy's X-Forwarded-Proto,
  listen on loopback, and register https endpoints; the metadata agent asks nova over https;
  the dashboard trusts the CA; admin-openrc and clouds.yaml name it; haproxy.cfg serves every
  frontend of the catalogue with TLS on the management address, backends on loopback, and
  redirects port 80;
- with ``tls.mode: off`` none of that is there and everything is plain HTTP on the
  management address, as before TLS;
- with a public address of its own and ``tls.internal: false``, HAProxy serves TLS on the
  public address and plain HTTP on the management address, and the endpoints follow.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from installer import catalogue
from installer.answers import load
from installer.answers.secrets import fill
from installer.paths import DeployPaths
from installer.render import render

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "roles"
SAMPLE = ROOT / "answers" / "allinone.yml"
FAMILIES = {"debian": ("Debian", "Debian"), "ubuntu": ("Ubuntu", "Debian"),
            "redhat": ("RedHat", "RedHat")}
CA = catalogue.load().front_door.ca_file
MANAGEMENT = "10.0.0.11"
PUBLIC = "192.0.2.10"


def _deployment(tmp: Path, tls: dict[str, Any]) -> Path:
    """The all-in-one sample rendered with ``tls`` settings; its deployment directory."""
    answers = tmp / "allinone.yml"
    shutil.copy(SAMPLE, answers)
    data = yaml.safe_load(answers.read_text())
    data["tls"].update(tls)
    data["deployment"]["secrets_file"] = "allinone.secrets.yml"
    answers.write_text(yaml.safe_dump(data))
    fill(tmp / "allinone.secrets.yml")
    return render(load(answers), tmp / "deploy").out_dir


def _family_file(role: str, family: str) -> list[Path]:
    distribution, os_family = FAMILIES[family]
    for name in (f"{distribution}.yml", f"{os_family}.yml"):
        if (ROLES / role / "vars" / name).exists():
            return [ROLES / role / "vars" / name]
    return []


def templar(deploy_dir: Path, family: str, *roles: str) -> Callable[[str], Any]:
    """Evaluate an expression as Ansible does for the deployment's node of ``family``, with
    the variables of ``roles`` (each after openstack_service's defaults)."""
    loader = DataLoader()
    paths = DeployPaths(deploy_dir)
    variables: dict[str, Any] = {}
    # Ansible's precedence: role defaults, then the inventory, then the roles' vars
    files = [ROLES / "openstack_service" / "defaults" / "main.yml",
             *(ROLES / role / "defaults" / "main.yml" for role in roles),
             paths.main_vars, paths.catalogue_vars, paths.secrets, paths.host_vars("openstack1")]
    for role in roles:
        files += [ROLES / role / "vars" / "main.yml", *_family_file(role, family),
                  ROLES / role / "vars" / "releases.yml"]
    for path in files:
        if path.exists():
            variables.update(loader.load_from_file(str(path), trusted_as_template=True) or {})
    hosts = yaml.safe_load(paths.hosts.read_text())["all"]["children"]
    variables.update(
        deployment_family=family, inventory_hostname="openstack1",
        groups={name: list(group.get("hosts") or {}) for name, group in hosts.items()},
        ansible_facts={"default_ipv4": {"address": MANAGEMENT},
                       "os_family": FAMILIES[family][1]},
        inventory_dir=str(paths.inventory), ansible_managed="managed")
    variables["hostvars"] = {"openstack1": variables}
    engine = Templar(loader=loader, variables=variables)
    return lambda expression: engine.template(trust_as_template(expression))


def _ini_files(value: Callable[[str], Any], role: str) -> dict[str, dict[str, Any]]:
    """The INI contents a service role renders, by file name."""
    if role == "neutron":
        return {f["name"]: f["content"] for f in value("{{ __neutron_files_all }}")}
    if role == "nova":
        return {"nova.conf": value("{{ __nova_conf }}")}
    return {Path(f["dest"]).name: f["content"] for f in value(f"{{{{ __{role}_config_files }}}}")}


API_ROLES = ("keystone", "glance", "placement", "nova", "neutron", "cinder")
#: file -> sections whose keystoneauth client must verify the CA
CLIENT_SECTIONS = {
    "nova.conf": ("keystone_authtoken", "service_user", "placement", "neutron", "glance",
                  "cinder"),
    "neutron.conf": ("keystone_authtoken", "nova"),
    "cinder.conf": ("keystone_authtoken", "nova"),
    "glance-api.conf": ("keystone_authtoken",),
    "placement.conf": ("keystone_authtoken",),
}


@pytest.fixture(scope="module")
def tls_on(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _deployment(tmp_path_factory.mktemp("on"), {})


@pytest.fixture(scope="module")
def tls_off(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _deployment(tmp_path_factory.mktemp("off"), {"mode": "off"})


@pytest.fixture(scope="module")
def public_plain_inside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _deployment(tmp_path_factory.mktemp("pub"), {
        "public_address": PUBLIC, "public_name": "cloud.example.org", "internal": False})


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("role", API_ROLES)
def test_with_tls_every_client_verifies_the_ca_and_the_api_sits_behind_haproxy(
        tls_on: Path, family: str, role: str) -> None:
    value = templar(tls_on, family, role)
    files = _ini_files(value, role)
    for name, sections in CLIENT_SECTIONS.items():
        for section in sections if name in files else ():
            client = files[name][section]
            assert client["cafile"] == CA, (family, name, section)
            for key in ("auth_url", "www_authenticate_uri", "api_servers"):
                if key in client:
                    assert client[key].startswith(f"https://{MANAGEMENT}:"), (name, section, key)
    api_conf = next(iter(files.values()))
    assert api_conf["oslo_middleware"] == {"enable_proxy_headers_parsing": True}, role
    assert value(f"{{{{ {role}_bind_address }}}}") == "127.0.0.1"
    port = catalogue.load().services[role].api.port  # type: ignore[union-attr]
    assert value(f"{{{{ __{role}_url }}}}").startswith(f"https://{MANAGEMENT}:{port}")
    assert value(f"{{{{ __{role}_internal_url }}}}").startswith(f"https://{MANAGEMENT}:{port}")


@pytest.mark.parametrize("family", FAMILIES)
def test_with_tls_the_metadata_agent_cinder_nova_and_the_dashboard_use_it(
        tls_on: Path, family: str) -> None:
    neutron = _ini_files(templar(tls_on, family, "neutron"), "neutron")
    metadata = neutron["metadata_agent.ini"]["DEFAULT"]
    assert metadata["nova_metadata_protocol"] == "https" and metadata["auth_ca_cert"] == CA
    cinder = _ini_files(templar(tls_on, family, "cinder"), "cinder")["cinder.conf"]
    assert cinder["DEFAULT"]["glance_ca_certificates_file"] == CA
    assert cinder["DEFAULT"]["glance_api_servers"] == f"https://{MANAGEMENT}:9292"
    nova = templar(tls_on, family, "nova")("{{ __nova_conf }}")
    assert nova["vnc"]["novncproxy_base_url"] == f"https://{MANAGEMENT}:6080/vnc_auto.html"
    assert nova["vnc"]["server_listen"] == MANAGEMENT  # the guests' VNC, not behind HAProxy
    horizon = templar(tls_on, family, "horizon")("{{ __horizon_all_settings }}")
    assert horizon["OPENSTACK_SSL_CACERT"] == CA
    assert horizon["OPENSTACK_KEYSTONE_URL"] == f"https://{MANAGEMENT}:5000/v3"
    assert horizon["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert horizon["CSRF_TRUSTED_ORIGINS"] == [f"https://{MANAGEMENT}"]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("role", API_ROLES)
def test_without_tls_nothing_changes_from_plain_http(tls_off: Path, family: str,
                                                     role: str) -> None:
    value = templar(tls_off, family, role)
    for name, content in _ini_files(value, role).items():
        assert not content.get("oslo_middleware"), name  # ini.j2 leaves empty sections out
        for section, options in content.items():
            assert "cafile" not in (options or {}), (name, section)
            assert "https://" not in str(options), (name, section)
    assert value(f"{{{{ {role}_bind_address }}}}") == MANAGEMENT
    assert value(f"{{{{ __{role}_url }}}}").startswith(f"http://{MANAGEMENT}:")
    horizon = templar(tls_off, family, "horizon")("{{ __horizon_all_settings }}")
    assert "OPENSTACK_SSL_CACERT" not in horizon


def _haproxy_cfg(deploy_dir: Path, family: str) -> str:
    value = templar(deploy_dir, family, "haproxy")
    template = (ROLES / "haproxy" / "templates" / "haproxy.cfg.j2").read_text()
    return str(value(template))


@pytest.mark.parametrize("family", FAMILIES)
def test_haproxy_serves_every_frontend_with_tls_and_redirects_80(tls_on: Path,
                                                                 family: str) -> None:
    cfg = _haproxy_cfg(tls_on, family)
    pem = templar(tls_on, family, "haproxy")("{{ __haproxy_pem }}")
    lines = [line.strip() for line in cfg.splitlines()]
    for frontend in catalogue.load().front_door.frontends:
        assert f"bind {MANAGEMENT}:{frontend.port} ssl crt {pem}" in lines, frontend
        assert f"server backend1 127.0.0.1:{frontend.backend_port} check" in lines
    assert f"bind {MANAGEMENT}:80" in lines and "http-request redirect scheme https code 301" \
        in lines
    assert not any(line.startswith("bind") and ("0.0.0.0" in line or "*:" in line)
                   for line in lines)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_public_address_with_plain_internal_endpoints(public_plain_inside: Path,
                                                        family: str) -> None:
    lines = [line.strip() for line in _haproxy_cfg(public_plain_inside, family).splitlines()]
    assert "bind 192.0.2.10:5000 ssl crt /etc/haproxy/stackinstall.pem" in lines
    assert f"bind {MANAGEMENT}:5000" in lines  # internal: plain HTTP
    value = templar(public_plain_inside, family, "keystone")
    assert value("{{ __keystone_url }}") == "https://cloud.example.org:5000/v3"
    assert value("{{ __keystone_internal_url }}") == f"http://{MANAGEMENT}:5000/v3"
    neutron = _ini_files(templar(public_plain_inside, family, "neutron"), "neutron")
    assert neutron["metadata_agent.ini"]["DEFAULT"]["nova_metadata_protocol"] == "http"


@pytest.mark.parametrize(("fixture", "has_ca"), [("tls_on", True), ("tls_off", False)])
def test_the_credentials_name_the_ca(request: pytest.FixtureRequest, fixture: str,
                                     has_ca: bool) -> None:
    deploy_dir = request.getfixturevalue(fixture)
    value = templar(deploy_dir, "debian", "openstack_post")
    templates = ROLES / "openstack_post" / "templates"
    openrc = str(value((templates / "admin-openrc.j2").read_text()))
    clouds = yaml.safe_load(str(value((templates / "clouds.yaml.j2").read_text())))
    cloud = clouds["clouds"]["openstack"]
    assert (f"export OS_CACERT={CA}" in openrc) == has_ca
    assert cloud.get("cacert") == (CA if has_ca else None)
    assert cloud["auth"]["auth_url"].startswith("https://" if has_ca else "http://")
    # the copies in the deployment directory name the deploy host's CA file
    fetched = value("{{ openstack_post_fetch_cacert }}")
    assert fetched == (str(DeployPaths(deploy_dir).ca_cert) if has_ca else "")

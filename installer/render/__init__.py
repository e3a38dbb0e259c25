"""Render a Deployment into the deployment directory Ansible reads (see docs/contracts.md)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installer import catalogue, templates
from installer.answers.model import Deployment
from installer.answers.secrets import write_private
from installer.paths import DeployPaths
from installer.render.groups import inventory_groups, node_components
from installer.render.owner import claim
from installer.tls import files as tls_files

#: Each node's catalogue family, from its facts: debian, ubuntu or redhat.
FAMILY_EXPRESSION = (
    "{{ 'ubuntu' if ansible_facts['distribution'] == 'Ubuntu' "
    "else ansible_facts['os_family'] | lower }}"
)
#: The templates render fills, under templates/ (each starts with inventory/_header.j2).
HOSTS_TEMPLATE = "inventory/hosts.yml.j2"
MAIN_VARS_TEMPLATE = "inventory/group_vars/all/main.yml.j2"
CATALOGUE_VARS_TEMPLATE = "inventory/group_vars/all/catalogue.yml.j2"
SECRETS_TEMPLATE = "inventory/group_vars/all/secrets.yml.j2"
HOST_VARS_TEMPLATE = "inventory/host_vars/node.yml.j2"


@dataclass
class RenderResult:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    #: what render did that the run should say (a certificate issued or re-issued)
    notices: list[str] = field(default_factory=list)

    @property
    def paths(self) -> DeployPaths:
        return DeployPaths(self.out_dir)

    @property
    def inventory(self) -> Path:
        return self.paths.inventory


def host_vars(dep: Deployment, out_dir: Path) -> dict[str, dict[str, Any]]:
    key = str(Path(dep.ssh.private_key).expanduser())
    common_args = (
        "-o StrictHostKeyChecking=accept-new "
        f"-o UserKnownHostsFile={DeployPaths(out_dir).known_hosts}"
        " -o ControlMaster=auto -o ControlPersist=60s -o ServerAliveInterval=15"
    )
    ssh = {
        "ansible_user": dep.ssh.user,
        "ansible_port": dep.ssh.port,
        "ansible_ssh_private_key_file": key,
        "ansible_become": dep.ssh.become,
        "ansible_ssh_common_args": common_args,
    }
    # a local node is the machine Ansible runs on: no SSH, as the user running stackinstall
    local = {"ansible_connection": "local", "ansible_become": os.geteuid() != 0}
    return {
        n.name: {
            "ansible_host": n.address,
            **(local if n.local else ssh),
            "ansible_python_interpreter": "/usr/bin/python3",
            "node_address": n.address,
            "node_roles": list(n.roles),
        }
        for n in dep.nodes
    }


def group_vars(dep: Deployment) -> dict[str, Any]:
    ctl = dep.controller
    data: dict[str, Any] = {
        "deployment_name": dep.name,
        "openstack_release": dep.release,
        "deployment_distro": dep.distro,
        "deployment_management_cidr": dep.network.management_cidr,
        "deployment_controller": ctl.name,
        "deployment_controller_address": ctl.address,
        "deployment_nodes": [
            {"name": n.name, "address": n.address, "roles": list(n.roles)} for n in dep.nodes
        ],
        "deployment_services": list(dep.services),
        "repos_mirror": dep.repos.mirror,
        "repos_proxy": dep.repos.proxy,
        "base_upgrade": dep.repos.upgrade,
        "locale_lang": dep.locale.lang,
        "locale_lc_all": dep.locale.lc_all,
        "locale_prompt": dep.locale.prompt,
        "locale_aliases": dict(dep.locale.aliases),
        "chrony_servers": list(dep.ntp.servers),
        "chrony_allow": list(dep.ntp.allow) or [dep.network.management_cidr],
        "neutron_mechanism_driver": dep.network.mechanism_driver,
        "neutron_provider_interface": dep.network.provider_interface,
        "neutron_provider_physnet": dep.network.provider_physnet,
        "neutron_overlay": dep.network.overlay,
        "neutron_vni_range": dep.network.vni_range,
        "openstack_service_workers": dep.tuning.workers,
        "nova_virt_type": dep.nova.virt_type,
        "cinder_backend": dep.cinder.backend,
        "cinder_device": dep.cinder.device,
        "cinder_loop_size_gb": dep.cinder.loop_size_gb,
        **provider_vars(dep),
        **ceph_vars(dep),
    }
    for service, files in sorted(dep.overrides.items()):
        data[f"{service}_config_overrides"] = files
    return data


def tls_vars(dep: Deployment, paths: DeployPaths) -> dict[str, Any]:
    """The front door: whether TLS is on, where the endpoints are, the certificate files on
    the deploy host (the roles copy them; no key is in the inventory)."""
    tls = dep.tls
    return {
        "deployment_tls": tls.enabled,
        "deployment_tls_internal": tls.enabled and tls.internal,
        "deployment_public_host": dep.public_host,
        "deployment_public_address": dep.public_address,
        "tls_ca_source": str(paths.ca_cert) if tls.enabled else "",
        "haproxy_certificate_source": str(paths.server_cert) if tls.enabled else "",
        "haproxy_key_source": str(paths.server_key) if tls.enabled else "",
    }


def provider_vars(dep: Deployment) -> dict[str, Any]:
    """The external network the post phase creates (empty cidr: none)."""
    net = dep.network
    first = last = ""
    if net.provider_cidr:
        cidr = ipaddress.ip_network(net.provider_cidr)
        if net.provider_pool:
            first, last = (p.strip() for p in net.provider_pool.split("-"))
        else:  # the upper half, without the broadcast address
            first, last = str(cidr[cidr.num_addresses // 2]), str(cidr[-2])
    return {
        "openstack_post_provider_cidr": net.provider_cidr,
        "openstack_post_provider_pool_start": first,
        "openstack_post_provider_pool_end": last,
        "openstack_post_provider_gateway": net.provider_gateway,
    }


def ceph_vars(dep: Deployment) -> dict[str, Any]:
    """Ceph's settings; its groups (ceph_mon, ceph_osd, ceph_client) say where it runs."""
    ceph = dep.ceph
    return {
        "ceph_mode": ceph.mode,
        "ceph_osd_devices": list(ceph.osd_devices),
        "ceph_osd_file_size_gb": ceph.osd_file_size_gb,
        "ceph_external_monitors": list(ceph.monitors),
        "ceph_external_fsid": ceph.fsid,
        "ceph_public_network": dep.network.management_cidr,
    }


def _write(path: Path, body: str, files: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)
    files.append(path)


def render(dep: Deployment, out_dir: Path | None = None) -> RenderResult:
    """Write inventory, group_vars, host_vars and the 0600 secrets file; return what was written."""
    paths = DeployPaths.at(out_dir, dep.default_deploy_dir)
    out = paths.root
    claim(out, dep.path)  # refuses a directory another answer file renders into
    result = RenderResult(out)
    source = str(dep.path)
    hv = host_vars(dep, out)
    groups = inventory_groups(dep)
    settings = group_vars(dep) | tls_vars(dep, paths)
    result.notices.extend(tls_files.ensure(dep, paths).notices)
    for name, components in node_components(dep, groups, settings).items():
        hv[name]["deployment_components"] = components
    _write(paths.hosts, templates.render(HOSTS_TEMPLATE, {
        "source": source, "hosts": list(hv), "groups": groups}), result.files)
    _write(paths.main_vars, templates.render(MAIN_VARS_TEMPLATE, {
        "source": source, "settings": settings}), result.files)
    _write(paths.catalogue_vars, templates.render(CATALOGUE_VARS_TEMPLATE, {
        "source": source, "family": FAMILY_EXPRESSION,
        "catalogue": catalogue.load(dep.release).rendered()}), result.files)
    for name, values in hv.items():
        _write(paths.host_vars(name), templates.render(HOST_VARS_TEMPLATE, {
            "source": source, "host": values}), result.files)
    write_private(paths.secrets, templates.render(SECRETS_TEMPLATE, {
        "source": source, "secrets": dict(sorted(dep.secrets.items()))}))
    result.files.append(paths.secrets)
    stale = {p for p in paths.host_vars_dir.glob("*.yml")} - set(result.files)
    for path in stale:  # nodes removed from the answer file leave the inventory too
        path.unlink()
    return result

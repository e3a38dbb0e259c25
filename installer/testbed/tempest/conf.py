"""tempest.conf for the deployed cloud: ``discover-tempest-config`` and the settings we pin.

python-tempestconf discovers the services, API versions and extensions from the admin cloud
of the post phase's clouds.yaml; the overrides below say what discovery cannot know: the
guest image and how to reach it (floating IPs on the external network, root over SSH with
the key pair tempest makes), flavors big enough for it, config drives, the volume backend,
and the dashboard's path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from installer import catalogue

#: Where the post phase writes root's clouds.yaml on the controller.
CLOUDS_YAML = "/root/.config/openstack/clouds.yaml"
EXTERNAL_NETWORK = "public"
#: The guest has 256 MiB (the busybox guest needs far less; tempest's own minimum is not ours).
FLAVOR_RAM_MIB = 256
#: The alternative flavor differs (resize tests need two), in RAM only.
FLAVOR_ALT_RAM_MIB = 320
#: The guest under qemu TCG on busy cores: boot to SSH is slow, so wait like the smoke does.
SSH_TIMEOUT_S = 420
PING_TIMEOUT_S = 300
#: cinder_backend (answer file) -> (volume_backend_name, storage protocol reported by cinder).
VOLUME_BACKENDS: Mapping[str, tuple[str, str]] = {
    "ceph": ("ceph", "ceph"),
    "loop": ("lvm", "iSCSI"),
    "device": ("lvm", "iSCSI"),
}


@dataclass(frozen=True)
class ConfInputs:
    """What the controller told us, and where things are there."""

    cloud: str
    workspace: str
    image_path: str
    flavor_ref: str
    flavor_ref_alt: str
    public_network_id: str
    cinder_backend: str = "ceph"
    dashboard_url: str | None = None
    #: the deployment's CA on the controller (TLS front door), or None
    ca_file: str | None = None

    @property
    def conf_path(self) -> str:
        return f"{self.workspace}/etc/tempest.conf"


def volume_catalog_type() -> str:
    """cinder's service type in the keystone catalog, as the catalogue registers it."""
    api = catalogue.load().services["cinder"].api
    return api.type if api is not None else "volumev3"


def overrides(inputs: ConfInputs) -> list[tuple[str, str]]:
    """("section.key", value) pairs; discover-tempest-config lets them win over discovery."""
    backend, protocol = VOLUME_BACKENDS.get(inputs.cinder_backend, VOLUME_BACKENDS["ceph"])
    pairs = [
        ("oslo_concurrency.lock_path", f"{inputs.workspace}/tempest_lock"),
        # keystone's bootstrap makes 'member' (no '_member_' since Rocky)
        ("auth.tempest_roles", "member"),
        ("auth.use_dynamic_credentials", "true"),
        ("compute.flavor_ref", inputs.flavor_ref),
        ("compute.flavor_ref_alt", inputs.flavor_ref_alt),
        ("compute-feature-enabled.config_drive", "true"),
        ("compute-feature-enabled.metadata_service", "true"),
        ("validation.run_validation", "true"),
        ("validation.connect_method", "floating"),
        ("validation.auth_method", "keypair"),
        ("validation.image_ssh_user", "root"),
        ("validation.ip_version_for_ssh", "4"),
        ("validation.ssh_timeout", str(SSH_TIMEOUT_S)),
        ("validation.ping_timeout", str(PING_TIMEOUT_S)),
        ("network.floating_network_name", EXTERNAL_NETWORK),
        ("network.public_network_id", inputs.public_network_id),
        ("scenario.img_disk_format", "raw"),
        ("scenario.img_container_format", "bare"),
        # the type the services phase registers cinder under; tempest 43 (Debian 13) looks
        # for 'block-storage' by default and discover-tempest-config failed on it
        ("volume.catalog_type", volume_catalog_type()),
        ("volume.backend_names", backend),
        ("volume.storage_protocol", protocol),
        ("volume.vendor_name", "Open Source"),
        ("volume-feature-enabled.multi_backend", "false"),
        # no cinder-backup is deployed
        ("volume-feature-enabled.backup", "false"),
    ]
    if inputs.ca_file:  # every endpoint is https, signed by the deployment's CA
        pairs += [("identity.ca_certificates_file", inputs.ca_file),
                  ("identity.disable_ssl_certificate_validation", "false")]
    if inputs.dashboard_url:
        url = inputs.dashboard_url.rstrip("/") + "/"
        pairs += [
            ("service_available.horizon", "true"),
            ("dashboard.dashboard_url", url),
            ("dashboard.login_url", f"{url}auth/login/"),
        ]
    return pairs


def discover_argv(inputs: ConfInputs) -> list[str]:
    """The ``discover-tempest-config`` command line (run in the workspace)."""
    argv = [
        "discover-tempest-config",
        "--os-cloud", inputs.cloud,
        "--out", inputs.conf_path,
        "--no-default-deployer",
        "--image", inputs.image_path,
        "--image-disk-format", "raw",
        "--network-id", inputs.public_network_id,
        # no --debug: it logs every setting, the admin password among them
    ]
    for key, value in overrides(inputs):
        argv += [key, value]
    return argv

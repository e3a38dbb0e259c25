"""The deployment directory's layout, in one place (see docs/contracts.md).

``render`` writes the inventory, ``deploy`` adds ``known_hosts``, ``facts/``, ``runs/`` and
the post phase's credentials, ``verify`` its artifacts; every one of them, and ``status``
and ``preflight``, finds those files through :class:`DeployPaths`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True)
class DeployPaths:
    """Where each file of one deployment directory lives."""

    root: Path

    #: The owner marker's file name (``installer.render.owner``).
    OWNER_MARKER: ClassVar[str] = ".answer-file"

    @classmethod
    def at(cls, out_dir: Path | None, default: Path) -> DeployPaths:
        """The directory given with ``-o``, else ``default`` (``deployments/<name>``), absolute."""
        return cls(Path(out_dir or default).resolve())

    @property
    def inventory(self) -> Path:
        return self.root / "inventory"

    @property
    def hosts(self) -> Path:
        return self.inventory / "hosts.yml"

    @property
    def group_vars(self) -> Path:
        """``inventory/group_vars/all``: main.yml, catalogue.yml and secrets.yml."""
        return self.inventory / "group_vars" / "all"

    @property
    def main_vars(self) -> Path:
        return self.group_vars / "main.yml"

    @property
    def catalogue_vars(self) -> Path:
        return self.group_vars / "catalogue.yml"

    @property
    def secrets(self) -> Path:
        """The rendered secrets (mode 0600)."""
        return self.group_vars / "secrets.yml"

    @property
    def host_vars_dir(self) -> Path:
        return self.inventory / "host_vars"

    def host_vars(self, node: str) -> Path:
        return self.host_vars_dir / f"{node}.yml"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def facts(self) -> Path:
        """Ansible's JSON fact cache."""
        return self.root / "facts"

    @property
    def runs(self) -> Path:
        """One ``<UTC timestamp>/`` per deploy run (deploy.log, summary.json)."""
        return self.root / "runs"

    @property
    def backups(self) -> Path:
        """One ``<UTC timestamp>/`` per ``stackinstall backup`` (mode 0700, files 0600)."""
        return self.root / "backups"

    @property
    def verify(self) -> Path:
        """One ``<UTC timestamp>/`` of artifacts per verify run that keeps any."""
        return self.root / "verify"

    @property
    def admin_openrc(self) -> Path:
        return self.root / "admin-openrc"

    @property
    def clouds_yaml(self) -> Path:
        return self.root / "clouds.yaml"

    @property
    def credentials(self) -> tuple[Path, ...]:
        """The files the post phase fetches here (mode 0600)."""
        return (self.admin_openrc, self.clouds_yaml)

    @property
    def tls(self) -> Path:
        """The front door's certificates (mode 0700; installer/tls/files.py)."""
        return self.root / "tls"

    @property
    def ca_cert(self) -> Path:
        """The CA every node and client trusts (admin-openrc's OS_CACERT, clouds.yaml)."""
        return self.tls / "ca.crt"

    @property
    def ca_key(self) -> Path:
        """The deployment's CA key (self-signed mode; 0600, never sent to a node)."""
        return self.tls / "ca.key"

    @property
    def server_cert(self) -> Path:
        """HAProxy's certificate followed by its chain."""
        return self.tls / "server.crt"

    @property
    def server_key(self) -> Path:
        """HAProxy's key (0600)."""
        return self.tls / "server.key"

    @property
    def owner_marker(self) -> Path:
        """Names the answer file that owns the directory (``installer.render.owner``)."""
        return self.root / self.OWNER_MARKER

    @property
    def rendered(self) -> bool:
        """Whether ``render`` (or ``deploy``) has written the inventory here."""
        return self.hosts.is_file()

"""installer.tls.files: what render writes into DEPLOY_DIR/tls, and when it issues again."""

from __future__ import annotations

import dataclasses
import datetime
import stat
from pathlib import Path

from installer.answers import load
from installer.answers.model import Deployment
from installer.paths import DeployPaths
from installer.render import render
from installer.tls import certs, files

NOW = datetime.datetime.now(datetime.UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_self_signed_makes_a_private_ca_and_a_certificate_for_the_endpoints(
        four_node: Path, tmp_path: Path) -> None:
    dep = load(four_node)
    result = render(dep, tmp_path / "d")
    paths = DeployPaths(tmp_path / "d")
    assert _mode(paths.tls) == 0o700
    assert _mode(paths.ca_key) == 0o600 and _mode(paths.server_key) == 0o600
    assert _mode(paths.ca_cert) == 0o644
    chain = certs.read_certificates(paths.server_cert.read_bytes())
    ca = certs.read_certificates(paths.ca_cert.read_bytes())[0]
    assert chain[1] == ca and certs.issued_by(chain[0], ca)
    assert certs.matches(chain[0], certs.read_key(paths.server_key.read_bytes()))
    names = certs.names(chain[0])
    assert names.covers("10.0.0.11") and names.covers("openstack1")
    assert any("made the deployment's CA" in n for n in result.notices)
    assert any("issued the server certificate (none yet)" in n for n in result.notices)
    # the inventory names the files; no key material is in it
    text = "".join(p.read_text() for p in (tmp_path / "d" / "inventory").rglob("*.yml"))
    assert str(paths.ca_cert) in text and "PRIVATE KEY" not in text


def test_a_second_render_keeps_everything(four_node: Path, tmp_path: Path) -> None:
    dep = load(four_node)
    render(dep, tmp_path / "d")
    paths = DeployPaths(tmp_path / "d")
    before = {p: p.read_bytes() for p in paths.tls.iterdir()}
    assert render(dep, tmp_path / "d").notices == []
    assert {p: p.read_bytes() for p in paths.tls.iterdir()} == before


def _expiring(dep: Deployment, paths: DeployPaths, days: int) -> None:
    """Replace the server certificate with one of the same CA that expires in ``days``."""
    ca = certs.read_certificates(paths.ca_cert.read_bytes())[0]
    ca_key = certs.read_key(paths.ca_key.read_bytes())
    cert, key = certs.issue_server(ca, ca_key, files.server_names(dep),
                                   not_after=NOW + datetime.timedelta(days=days))
    paths.server_cert.write_bytes(certs.cert_pem(cert) + certs.cert_pem(ca))
    paths.server_key.write_bytes(certs.key_pem(key))


def test_a_certificate_that_expires_within_30_days_is_issued_again_and_said(
        four_node: Path, tmp_path: Path) -> None:
    dep = load(four_node)
    paths = DeployPaths(tmp_path / "d")
    render(dep, paths.root)
    ca_before = paths.ca_cert.read_bytes()
    _expiring(dep, paths, 29)
    notices = files.ensure(dep, paths).notices
    assert len(notices) == 1 and "within 30 days" in notices[0]
    assert certs.days_left(certs.read_certificates(paths.server_cert.read_bytes())[0]) > 390
    assert paths.ca_cert.read_bytes() == ca_before  # the CA the nodes trust stays
    _expiring(dep, paths, 31)
    assert files.ensure(dep, paths).notices == ()


def test_a_new_public_name_gets_a_new_certificate(four_node: Path, tmp_path: Path) -> None:
    dep = load(four_node)
    paths = DeployPaths(tmp_path / "d")
    render(dep, paths.root)
    named = dataclasses.replace(dep, tls=dataclasses.replace(dep.tls,
                                                             public_name="cloud.example.org"))
    notices = files.ensure(named, paths).notices
    assert notices and "lacks cloud.example.org" in notices[0]
    cert = certs.read_certificates(paths.server_cert.read_bytes())[0]
    assert certs.names(cert).dns[0] == "cloud.example.org"


def test_off_writes_nothing(four_node: Path, tmp_path: Path) -> None:
    four_node.write_text(four_node.read_text().replace("mode: self-signed", "mode: 'off'"))
    dep = load(four_node)
    result = render(dep, tmp_path / "d")
    assert not DeployPaths(tmp_path / "d").tls.exists() and result.notices == []
    main = DeployPaths(tmp_path / "d").main_vars.read_text()
    assert "deployment_tls: false" in main and "haproxy:" not in \
        DeployPaths(tmp_path / "d").hosts.read_text()

"""installer.tls.certs: the deployment's CA, the server certificate and what is read back."""

from __future__ import annotations

import datetime

import pytest

from installer.tls import certs


def test_a_server_certificate_names_every_host_and_address_and_chains_to_its_ca() -> None:
    ca, ca_key = certs.make_ca("test CA")
    cert, key = certs.issue_server(ca, ca_key, ["cloud.example.org", "10.0.0.11", "openstack1"])
    names = certs.names(cert)
    assert names.dns == ("cloud.example.org", "openstack1") and names.ips == ("10.0.0.11",)
    assert all(names.covers(h) for h in ("cloud.example.org", "10.0.0.11", "OPENSTACK1"))
    assert not names.covers("10.0.0.12") and not names.covers("other.example.org")
    assert certs.matches(cert, key) and not certs.matches(cert, ca_key)
    assert certs.issued_by(cert, ca) and certs.chain_ok(cert, [ca])
    assert 396 < certs.days_left(cert) <= certs.SERVER_DAYS


def test_a_wildcard_covers_one_label_only() -> None:
    names = certs.Names(("*.example.org",), ())
    assert names.covers("cloud.example.org")
    assert not names.covers("a.cloud.example.org") and not names.covers("example.org")


def test_another_cas_certificate_does_not_chain() -> None:
    ca, ca_key = certs.make_ca("one")
    other, _other_key = certs.make_ca("two")
    cert, _key = certs.issue_server(ca, ca_key, ["h"])
    assert not certs.issued_by(cert, other) and not certs.chain_ok(cert, [other])


def test_pem_round_trip_and_refusals() -> None:
    ca, ca_key = certs.make_ca("rt")
    assert certs.read_certificates(certs.cert_pem(ca) * 2)[1].subject == ca.subject
    assert certs.matches(ca, certs.read_key(certs.key_pem(ca_key)))
    with pytest.raises(certs.CertificateError, match="not a PEM certificate"):
        certs.read_certificates(b"\x30\x82 DER bytes")
    with pytest.raises(certs.CertificateError, match="not a PEM private key"):
        certs.read_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_days_left_is_negative_once_expired() -> None:
    ca, ca_key = certs.make_ca("exp")
    cert, _key = certs.issue_server(
        ca, ca_key, ["h"], not_after=datetime.datetime.now(datetime.UTC)
        + datetime.timedelta(days=10))
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=11)
    assert 9 < certs.days_left(cert) < 10.1 and certs.days_left(cert, later) < 0

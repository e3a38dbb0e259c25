"""Make and read X.509 certificates with the ``cryptography`` library.

The CA is the deployment's own (tls.mode self-signed): its key never leaves the deployment
directory. The server certificate HAProxy presents names the public name and every address
the endpoints are reached by.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: A server certificate that expires within this many days is re-issued by deploy (self-signed)
#: and reported by verify (a warning; an expired one fails).
RENEW_WITHIN_DAYS = 30
#: Lifetime of an issued server certificate (the most browsers accept is 398 days).
SERVER_DAYS = 397
#: Lifetime of the deployment's CA.
CA_DAYS = 3650

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class CertificateError(Exception):
    """A PEM file could not be read as what it should be."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(common_name: str, *, days: int = CA_DAYS) -> tuple[x509.Certificate,
                                                                 ec.EllipticCurvePrivateKey]:
    """A self-signed CA certificate and its key."""
    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_server(ca: x509.Certificate, ca_key: PrivateKey, names: list[str],
                 *, days: int = SERVER_DAYS,
                 not_after: datetime.datetime | None = None,
                 ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A server certificate signed by ``ca`` whose SANs are ``names`` (host names and IPs);
    the first is its common name."""
    key = new_key()
    now = _now()
    until = not_after or now + datetime.timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now - datetime.timedelta(minutes=5),
                              until - datetime.timedelta(days=1)))
        .not_valid_after(until)
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca.public_key()), critical=False)  # type: ignore[arg-type]
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def read_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM file, in order; CertificateError if there is none."""
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise CertificateError("is not a PEM certificate file (no '-----BEGIN CERTIFICATE-----')")
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateError(f"holds a PEM certificate that cannot be read ({exc})") from exc


def read_key(data: bytes) -> PrivateKey:
    """A PEM private key without a passphrase."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise CertificateError("is encrypted with a passphrase; HAProxy needs it without "
                               "one") from exc
    except ValueError as exc:
        raise CertificateError("is not a PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CertificateError("is neither an RSA nor an EC key")
    return key


def matches(cert: x509.Certificate, key: PrivateKey) -> bool:
    """Whether ``key`` is the private key of ``cert``."""
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    return (cert.public_key().public_bytes(serialization.Encoding.PEM, public)
            == key.public_key().public_bytes(serialization.Encoding.PEM, public))


@dataclass(frozen=True)
class Names:
    """The subject alternative names of a certificate."""

    dns: tuple[str, ...]
    ips: tuple[str, ...]

    def covers(self, host: str) -> bool:
        """Whether a client reaching ``host`` accepts the certificate (one-label wildcards)."""
        try:
            return str(ipaddress.ip_address(host)) in self.ips
        except ValueError:
            pass
        host = host.lower().rstrip(".")
        for name in (n.lower().rstrip(".") for n in self.dns):
            if name == host:
                return True
            if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
                return True
        return False


def names(cert: x509.Certificate) -> Names:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return Names((), ())
    return Names(tuple(san.get_values_for_type(x509.DNSName)),
                 tuple(str(a) for a in san.get_values_for_type(x509.IPAddress)))


def expires(cert: x509.Certificate) -> datetime.datetime:
    return cert.not_valid_after_utc


def days_left(cert: x509.Certificate, now: datetime.datetime | None = None) -> float:
    return (expires(cert) - (now or _now())).total_seconds() / 86400


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` signed ``cert``."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def chain_ok(cert: x509.Certificate, chain: list[x509.Certificate]) -> bool:
    """Whether ``cert`` leads through ``chain`` to a self-signed certificate in it."""
    current, rest = cert, list(chain)
    for _ in range(len(chain) + 1):
        issuer = next((c for c in rest if issued_by(current, c)), None)
        if issuer is None:
            return False
        if issued_by(issuer, issuer):
            return True
        rest.remove(issuer)
        current = issuer
    return False

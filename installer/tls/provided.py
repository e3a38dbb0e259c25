"""The checks of an operator's certificate (tls.mode provided), run by answers validate
before anything changes: each problem names the answer-file key to fix."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from installer.tls import certs


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the provided files: the tls key, what, and the fix."""

    key: str
    message: str
    fix: str


def _read(path: Path, key: str, found: list[Finding]) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        found.append(Finding(key, f"{path} cannot be read ({exc.strerror or exc})",
                             "give the path of a readable file (relative to the answer file)"))
        return None


def check(base: Path, files: dict[str, str], host: str, internal: str = "",
          now: datetime.datetime | None = None) -> list[Finding]:
    """Problems of the certificate, key and chain files (``files``: tls key -> path as
    written, relative to ``base``) for public endpoints reached as ``host`` and internal ones
    as ``internal`` (empty: plain HTTP inside)."""
    found: list[Finding] = []
    for key in ("certificate", "key", "chain"):
        if not files.get(key):
            found.append(Finding(f"tls.{key}", "is empty but tls.mode is provided",
                                 f"set tls.{key} to the PEM file's path, or use tls.mode "
                                 "self-signed"))
    if found:
        return found
    raw = {key: _read(base / files[key], f"tls.{key}", found) for key in files}
    fixes = {
        "certificate": "give the server certificate in PEM form",
        "key": "give the certificate's private key in PEM form, without a passphrase "
               "(openssl pkey -in KEY -out NEW_KEY)",
        "chain": "give the issuing CA's certificates in PEM form "
                 "(openssl x509 -inform DER -in CA.der -out CA.pem)",
    }
    readers: dict[str, Callable[[bytes], Any]] = {
        "certificate": lambda data: certs.read_certificates(data)[0],
        "key": certs.read_key, "chain": certs.read_certificates}
    parsed: dict[str, Any] = {}
    for name, data in raw.items():
        if data is None:
            continue
        try:
            parsed[name] = readers[name](data)
        except certs.CertificateError as exc:
            found.append(Finding(f"tls.{name}", f"{files[name]} {exc}", fixes[name]))
    cert, key, chain = (parsed.get(n) for n in ("certificate", "key", "chain"))
    if cert is None:
        return found
    where = files["certificate"]
    if key is not None and not certs.matches(cert, key):
        found.append(Finding("tls.key", f"{files['key']} is not the key of {where}",
                             "give the key the certificate was issued for"))
    left = certs.days_left(cert, now)
    if left <= 0:
        found.append(Finding("tls.certificate",
                             f"{where} expired on {certs.expires(cert):%Y-%m-%d}",
                             "renew it and give the new certificate"))
    if not certs.names(cert).covers(host):
        shown = certs.names(cert)
        found.append(Finding("tls.certificate",
                             f"{where} does not name {host} (its names: "
                             f"{', '.join(shown.dns + shown.ips) or 'none'})",
                             "give a certificate whose subject alternative names include "
                             f"{host}, or set tls.public_name to a name it has"))
    if internal and internal != host and not certs.names(cert).covers(internal):
        found.append(Finding("tls.certificate",
                             f"{where} does not name the controller's management address "
                             f"{internal}, which the internal endpoints use",
                             f"add {internal} to its subject alternative names, or set "
                             "tls.internal: false with a tls.public_address"))
    if chain and not certs.chain_ok(cert, chain):
        found.append(Finding("tls.chain", f"{files['chain']} does not lead from {where} to "
                             "a root CA", "give the intermediates and the root CA that "
                             "issued the certificate"))
    return found

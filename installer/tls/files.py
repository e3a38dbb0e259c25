"""The front door's certificate files in the deployment directory (``DeployPaths.tls``).

``tls/ca.crt`` is what every node and client trusts; ``tls/server.crt`` (the certificate,
then its chain) and ``tls/server.key`` are what HAProxy presents; ``tls/ca.key`` exists only
in self-signed mode and never leaves this directory. Keys are 0600 in a 0700 directory.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from installer.answers.model import Deployment
from installer.paths import DeployPaths
from installer.tls import certs


@dataclass(frozen=True)
class Outcome:
    """What ensure() did, for the run to say."""

    #: one line per change worth saying (a new CA, a certificate issued or re-issued)
    notices: tuple[str, ...] = ()


def server_names(dep: Deployment) -> list[str]:
    """The names the server certificate must cover: the public name, the public address,
    the controller's management address and name (internal endpoints), first one the CN."""
    ctl = dep.controller
    wanted = [dep.tls.public_name, dep.public_address, ctl.address, ctl.name]
    return list(dict.fromkeys(n for n in wanted if n))


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def ensure(dep: Deployment, paths: DeployPaths,
           now: datetime.datetime | None = None) -> Outcome:
    """Write or renew the certificate files of ``dep``'s tls mode; nothing for ``off``."""
    if not dep.tls.enabled:
        return Outcome()
    paths.tls.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(paths.tls, 0o700)
    if dep.tls.mode == "provided":
        return _provided(dep, paths)
    return _self_signed(dep, paths, now or datetime.datetime.now(datetime.UTC))


def _provided(dep: Deployment, paths: DeployPaths) -> Outcome:
    """The operator's files, copied (validate has checked them)."""
    cert = Path(dep.tls.certificate).read_bytes()
    chain = Path(dep.tls.chain).read_bytes()
    leaf = certs.cert_pem(certs.read_certificates(cert)[0])
    wanted = {paths.server_cert: leaf + chain, paths.ca_cert: chain,
              paths.server_key: Path(dep.tls.key).read_bytes()}
    changed = [p for p, data in wanted.items() if not p.is_file() or p.read_bytes() != data]
    for path in changed:
        _write(path, wanted[path], 0o600 if path == paths.server_key else 0o644)
    if paths.ca_key.exists():  # from an earlier self-signed mode: not the trusted CA any more
        paths.ca_key.unlink()
    return Outcome((f"TLS: installed the provided certificate {dep.tls.certificate}",)
                   if paths.server_cert in changed else ())


def _self_signed(dep: Deployment, paths: DeployPaths, now: datetime.datetime) -> Outcome:
    notices: list[str] = []
    if not (paths.ca_cert.is_file() and paths.ca_key.is_file()):
        ca, ca_key = certs.make_ca(f"stackinstall CA {dep.name}")
        _write(paths.ca_key, certs.key_pem(ca_key), 0o600)
        _write(paths.ca_cert, certs.cert_pem(ca), 0o644)
        notices.append(f"TLS: made the deployment's CA {paths.ca_cert} (its key stays in "
                       f"{paths.tls}, mode 0600)")
    ca = certs.read_certificates(paths.ca_cert.read_bytes())[0]
    ca_key = certs.read_key(paths.ca_key.read_bytes())
    names = server_names(dep)
    why = _reissue_reason(paths, ca, names, now)
    if why:
        cert, key = certs.issue_server(ca, ca_key, names)
        _write(paths.server_key, certs.key_pem(key), 0o600)
        _write(paths.server_cert, certs.cert_pem(cert) + certs.cert_pem(ca), 0o644)
        notices.append(f"TLS: issued the server certificate ({why}) for {', '.join(names)}, "
                       f"valid until {certs.expires(cert):%Y-%m-%d}")
    return Outcome(tuple(notices))


def _reissue_reason(paths: DeployPaths, ca: certs.x509.Certificate, names: list[str],
                    now: datetime.datetime) -> str:
    """Why the server certificate must be issued again ('' when it is good)."""
    if not (paths.server_cert.is_file() and paths.server_key.is_file()):
        return "none yet"
    cert = certs.read_certificates(paths.server_cert.read_bytes())[0]
    left = certs.days_left(cert, now)
    if left < certs.RENEW_WITHIN_DAYS:
        return (f"the old one expires on {certs.expires(cert):%Y-%m-%d}, within "
                f"{certs.RENEW_WITHIN_DAYS} days" if left > 0 else
                f"the old one expired on {certs.expires(cert):%Y-%m-%d}")
    covered = certs.names(cert)
    missing = [n for n in names if not covered.covers(n)]
    if missing:
        return f"the old one lacks {', '.join(missing)}"
    if not certs.issued_by(cert, ca):
        return "the old one is not from the deployment's CA"
    if not certs.matches(cert, certs.read_key(paths.server_key.read_bytes())):
        return "the old one does not match its key"
    return ""

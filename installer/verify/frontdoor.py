"""The TLS front door, probed from its own node: each frontend's certificate (chain to the
deployment's CA, the names clients use, days left), plain HTTP refused on a TLS port and
redirected on the dashboard's HTTP port.

The probe runs with the node's python3 (``PROBE``, JSON on stdout) so that it sees HAProxy
exactly as the services on the management network do.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from installer.tls.certs import RENEW_WITHIN_DAYS

# argv[1]: JSON {ca, connect, names, tls_ports, redirect_ports}. For each TLS port: a
# handshake verified with the CA for each name (hostname check), days left; then a plain
# HTTP request on it. For each redirect port: the status and Location of a plain request.
PROBE = r'''
import json, socket, ssl, sys, time
a = json.loads(sys.argv[1])
out = {"tls": {}, "plain": {}, "redirect": {}}
def http(port, path="/"):
    s = None
    try:
        s = socket.create_connection((a["connect"], port), timeout=10)
        req = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
        s.sendall((req % (path, a["names"][0])).encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk: break
            data += chunk
        return data.decode("latin-1")
    except OSError as e:
        return "error: %s" % e
    finally:
        if s: s.close()
for port in a["tls_ports"]:
    res = {}
    for name in a["names"]:
        try:
            ctx = ssl.create_default_context(cafile=a["ca"])
            with socket.create_connection((a["connect"], port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname=name) as s:
                    cert = s.getpeercert()
            left = ssl.cert_time_to_seconds(cert["notAfter"]) - time.time()
            res[name] = {"ok": True, "days": left / 86400}
        except (OSError, ssl.SSLError, ssl.CertificateError) as e:
            res[name] = {"ok": False, "error": str(e)[:200]}
    out["tls"][str(port)] = res
    out["plain"][str(port)] = http(port)[:200]
for port in a["redirect_ports"]:
    out["redirect"][str(port)] = http(port, "/horizon/")[:400]
print(json.dumps(out))
'''


@dataclass(frozen=True)
class Frontend:
    port: int
    redirect_port: int = 0


def command(ca: str, connect: str, names: list[str], frontends: list[Frontend]) -> str:
    args = {"ca": ca, "connect": connect, "names": names,
            "tls_ports": [f.port for f in frontends],
            "redirect_ports": [f.redirect_port for f in frontends if f.redirect_port]}
    return f"python3 -c {shlex.quote(PROBE)} {shlex.quote(json.dumps(args))}"


def problems(result: dict[str, Any]) -> tuple[list[str], list[str], float]:
    """(failures, warnings, fewest days left) of a probe's result."""
    failures: list[str] = []
    warnings: list[str] = []
    least = float("inf")
    for port, by_name in sorted(result["tls"].items(), key=lambda i: int(i[0])):
        for name, seen in by_name.items():
            if not seen["ok"]:
                failures.append(f"{name}:{port}: {seen['error']}")
                continue
            least = min(least, seen["days"])
        answer = result["plain"][port]
        if answer.startswith("HTTP/"):
            failures.append(f"plain HTTP on {port} answered {answer.splitlines()[0]!r} "
                            "(it must fail: TLS only)")
    for port, answer in result["redirect"].items():
        first = answer.splitlines()[0] if answer else "nothing"
        location = next((line.split(":", 1)[1].strip() for line in answer.splitlines()
                         if line.lower().startswith("location:")), "")
        if not first.startswith("HTTP/1.1 30") or not location.startswith("https://"):
            failures.append(f"plain HTTP on {port} answered {first!r} with location "
                            f"{location or 'none'} (expected a redirect to https)")
    if least <= 0:
        failures.append("the certificate has expired")
    elif least < RENEW_WITHIN_DAYS:
        warnings.append(f"WARNING: the certificate expires in {least:.0f} days (under "
                        f"{RENEW_WITHIN_DAYS}): `stackinstall deploy` issues a new one "
                        "(self-signed), or give a renewed one (provided)")
    return failures, warnings, least

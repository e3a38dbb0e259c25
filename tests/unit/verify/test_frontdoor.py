"""installer.verify.frontdoor: what the probe's result means (shapes seen on the Epoxy lab)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

from installer.verify import frontdoor

REDIRECT = ("HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\n"
            "location: https://10.245.0.11/horizon/\r\nconnection: close\r\n\r\n")


def _result(days: float = 397.0, plain: str = "", redirect: str = REDIRECT,
            ok: bool = True) -> dict[str, object]:
    seen = {"ok": True, "days": days} if ok else {
        "ok": False, "error": "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"}
    return {"tls": {"5000": {"10.245.0.11": seen}, "443": {"10.245.0.11": seen}},
            "plain": {"5000": plain, "443": ""}, "redirect": {"80": redirect}}


def test_a_healthy_front_door_has_no_problem() -> None:
    assert frontdoor.problems(_result()) == ([], [], 397.0)


def test_under_30_days_is_a_warning_and_expired_a_failure() -> None:
    failures, warnings, _ = frontdoor.problems(_result(days=12))
    assert failures == [] and "expires in 12 days" in warnings[0]
    failures, _warnings, _ = frontdoor.problems(_result(days=-1))
    assert failures == ["the certificate has expired"]


def test_a_certificate_the_ca_does_not_verify_fails_naming_host_and_port() -> None:
    failures, _, _ = frontdoor.problems(_result(ok=False))
    assert failures[0].startswith("10.245.0.11:443: [SSL: CERTIFICATE_VERIFY_FAILED]")


def test_plain_http_answered_or_not_redirected_fails() -> None:
    failures, _, _ = frontdoor.problems(_result(plain="HTTP/1.1 300 Multiple Choices\r\n"))
    assert "plain HTTP on 5000 answered 'HTTP/1.1 300 Multiple Choices'" in failures[0]
    failures, _, _ = frontdoor.problems(_result(redirect="HTTP/1.1 200 OK\r\n\r\n"))
    assert "expected a redirect to https" in failures[0]


def test_the_probe_reports_a_refused_port_without_crashing() -> None:
    """The probe itself, against a local port nobody listens on."""
    argv = shlex.split(frontdoor.command("/nonexistent", "127.0.0.1", ["localhost"],
                                         [frontdoor.Frontend(1, 9)]))
    assert argv[:3] == ["python3", "-c", frontdoor.PROBE]
    out = subprocess.run([sys.executable, *argv[1:]],
                         capture_output=True, text=True, check=True, timeout=60)
    result = json.loads(out.stdout)
    assert result["tls"]["1"]["localhost"]["ok"] is False
    assert result["plain"]["1"].startswith("error:")
    failures, _, _ = frontdoor.problems(result)
    assert len(failures) == 2

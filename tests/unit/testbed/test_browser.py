"""The Horizon browser check drives real headless Chromium against a Horizon-like site.

Horizon itself cannot run here, so a small server on 127.0.0.1 plays its login flow: the
same form ids, a POST that redirects to the dashboard on the right password and re-renders
the form with Horizon's alert on a wrong one, and an overview page with its summaries.
"""

from __future__ import annotations

import binascii
import logging
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

from installer.errors import VerifyError
from installer.testbed import browser
from installer.testbed.browser import LoginResult, find_browser, horizon_login

PASSWORD = "s3cret-Horizon-pw"
TIMEOUT = 20.0

needs_chromium = pytest.mark.skipif(
    find_browser() is None,
    reason="Chromium and chromedriver binaries absent (/usr/bin/chromium, /usr/bin/chromedriver):"
    " apt-get install chromium chromium-driver, or run scripts/setup.sh (CI does)",
)


@dataclass
class FakeHorizon:
    """Options and a record of what the browser asked for."""

    landing: str = "/horizon/project/"
    domain_visible: bool = False
    overview_error: str = ""
    url: str = ""
    paths: list[str] = field(default_factory=list)
    posts: list[dict[str, str]] = field(default_factory=list)


LOGIN = """<!DOCTYPE html><html><head><title>Login - OpenStack Dashboard</title></head>
<body><form id="" method="POST" action="/horizon/auth/login/" autocomplete="off">
<input type="hidden" name="csrfmiddlewaretoken" value="token">
<div class="panel-heading"><h3 class="login-title">Log in</h3></div>
<div class="panel-body"><fieldset>
<div class="form-group" {domain_style}><label for="id_domain">Domain</label>
<input type="text" name="domain" id="id_domain"></div>
<div class="form-group"><label for="id_username">User Name</label>
<input type="text" name="username" id="id_username"></div>
<div class="form-group"><label for="id_password">Password</label>
<input type="password" name="password" id="id_password"></div>
{alert}
</fieldset></div>
<div class="panel-footer"><button id="loginBtn" type="submit" class="btn btn-primary">
<span>Sign In</span></button></div></form>
<img src="http://localhost:{port}/probe.png" alt=""></body></html>"""

OVERVIEW = """<!DOCTYPE html><html><head><title>Overview - OpenStack Dashboard</title>
<style>body{{font-family:sans-serif}} .bar{{background:#2a6ebb;height:40px;width:60%}}</style>
</head><body><div class="page-header"><h1>Overview</h1></div>{alert}
<div class="quota-dynamic limit-summary"><h3 class="quota-heading">Limit Summary</h3>
<div class="bar"></div><p>Instances Used 0 of 10</p></div>
<div class="quota-dynamic"><h3 class="quota-heading">Usage Summary</h3></div>
<dl id="activity"><dt>Active Instances:</dt><dd>0</dd><dt>Active RAM:</dt><dd>0Bytes</dd></dl>
<img src="http://localhost:{port}/probe.png" alt=""></body></html>"""

ADMIN = """<!DOCTYPE html><html><head><title>Usage Overview - OpenStack Dashboard</title>
</head><body><div class="page-header"><h1>Usage Overview</h1></div></body></html>"""


def _handler(site: FakeHorizon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads ``site.paths`` instead."""

        def _logged_in(self) -> bool:
            cookie = SimpleCookie(self.headers.get("Cookie", ""))
            return "sessionid" in cookie and cookie["sessionid"].value == "ok"

        def _send(self, status: int, body: str = "", headers: dict[str, str] | None = None
                  ) -> None:
            data = body.encode()
            self.send_response(status)
            for key, value in {"Content-Type": "text/html; charset=utf-8",
                               "Content-Length": str(len(data)), **(headers or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _login_page(self, alert: str = "") -> None:
            port = self.server.server_address[1]
            style = "" if site.domain_visible else 'style="display: none"'
            self._send(200, LOGIN.format(port=port, domain_style=style, alert=alert))

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            site.paths.append(f"GET {path}")
            port = self.server.server_address[1]
            if path == "/horizon/auth/login/":
                self._login_page()
            elif path in ("/horizon/", "/horizon/project/", "/horizon/admin/"):
                if not self._logged_in():
                    self._send(302, headers={"Location": "/horizon/auth/login/?next=" + path})
                elif path == "/horizon/":
                    self._send(302, headers={"Location": site.landing})
                elif path == "/horizon/admin/":
                    self._send(200, ADMIN)
                else:
                    alert = (f'<div class="alert alert-danger">{site.overview_error}</div>'
                             if site.overview_error else "")
                    self._send(200, OVERVIEW.format(port=port, alert=alert))
            else:
                self._send(404, "not found")

        def do_POST(self) -> None:
            site.paths.append(f"POST {urlsplit(self.path).path}")
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in
                    parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
            site.posts.append(form)
            if form.get("username") == "admin" and form.get("password") == PASSWORD:
                self._send(302, headers={"Location": "/horizon/",
                                         "Set-Cookie": "sessionid=ok; Path=/horizon/"})
            else:
                self._login_page('<div class="alert alert-danger"><p>Invalid credentials.</p>'
                                 "</div>")

    return Handler


@pytest.fixture
def horizon() -> Iterator[FakeHorizon]:
    site = FakeHorizon()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.url = f"http://127.0.0.1:{server.server_address[1]}/horizon/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG whose chunks all check out and whose pixels decompress."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, idat = 8, [], b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert binascii.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append(kind)
        idat += body if kind == b"IDAT" else b""
        offset += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    channels = {2: 3, 6: 4}[color]
    pixels = zlib.decompress(idat)
    assert depth == 8 and len(pixels) == height * (1 + width * channels)
    assert len(set(pixels)) > 16, "the screenshot is blank"
    return width, height


def login(site: FakeHorizon, tmp_path: Path, password: str = PASSWORD) -> LoginResult:
    return horizon_login(site.url, "admin", password, tmp_path / "shots", timeout=TIMEOUT)


@needs_chromium
def test_logs_in_sees_overview_and_keeps_screenshots(horizon: FakeHorizon,
                                                     tmp_path: Path) -> None:
    result = login(horizon, tmp_path)
    assert result.ok, result.message
    assert result.message == ("logged in as admin; overview page 'Overview - OpenStack "
                              "Dashboard' (Limit Summary, Usage Summary)")
    shots = tmp_path / "shots"
    assert result.screenshots == [shots / "horizon-login.png", shots / "horizon-overview.png"]
    for shot in result.screenshots:
        data = shot.read_bytes()
        assert len(data) > 4000
        width, height = png_size(data)
        assert width >= 1000 and height >= 700
    assert 0 < result.seconds < TIMEOUT
    assert horizon.posts == [{"csrfmiddlewaretoken": "token", "domain": "", "username": "admin",
                              "password": PASSWORD}]


@needs_chromium
def test_only_the_dashboard_host_is_reached(horizon: FakeHorizon, tmp_path: Path) -> None:
    # both pages embed an image from http://localhost:<same port>/: another host name
    assert login(horizon, tmp_path).ok
    assert "GET /horizon/project/" in horizon.paths
    assert not [p for p in horizon.paths if "probe" in p]


@needs_chromium
def test_admin_landing_goes_on_to_the_project_overview(horizon: FakeHorizon,
                                                       tmp_path: Path) -> None:
    horizon.landing = "/horizon/admin/"
    result = login(horizon, tmp_path)
    assert result.ok, result.message
    assert horizon.paths[-2:] == ["GET /horizon/admin/", "GET /horizon/project/"]
    assert "'Overview - OpenStack Dashboard'" in result.message


@needs_chromium
def test_visible_domain_field_is_filled(horizon: FakeHorizon, tmp_path: Path) -> None:
    horizon.domain_visible = True
    assert login(horizon, tmp_path).ok
    assert horizon.posts[0]["domain"] == "Default"


@needs_chromium
def test_wrong_password_reports_horizons_alert_and_never_logs_it(
        horizon: FakeHorizon, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="selenium")
    wrong = "not-the-password-42"
    result = login(horizon, tmp_path, password=wrong)
    assert not result.ok
    assert result.message == "login refused: Invalid credentials."
    assert result.screenshots == [tmp_path / "shots/horizon-login.png",
                                  tmp_path / "shots/horizon-failed.png"]
    png_size(result.screenshots[-1].read_bytes())
    assert "GET /horizon/project/" not in horizon.paths
    # Selenium logs typed text at DEBUG: it was logged, masked
    assert "/value" in caplog.text and "********" in caplog.text
    assert wrong not in caplog.text


@needs_chromium
def test_overview_with_an_error_alert_is_a_failure(horizon: FakeHorizon,
                                                   tmp_path: Path) -> None:
    horizon.overview_error = "Error: Unable to retrieve usage information."
    result = login(horizon, tmp_path)
    assert not result.ok
    assert result.message == ("overview page 'Overview - OpenStack Dashboard' shows errors: "
                              "Error: Unable to retrieve usage information.")
    assert [p.name for p in result.screenshots] == ["horizon-login.png", "horizon-overview.png",
                                                    "horizon-failed.png"]


@needs_chromium
def test_page_without_login_form_says_what_was_missing(horizon: FakeHorizon,
                                                       tmp_path: Path) -> None:
    url = horizon.url + "elsewhere/"
    result = horizon_login(url, "admin", PASSWORD, tmp_path, timeout=3)
    assert not result.ok
    assert result.message == ("no login form (id_username, id_password) within the time "
                              f"allowed at {url} (page '')")
    assert 3 <= result.seconds < 15


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@needs_chromium
@pytest.mark.parametrize(("port", "error"), [
    (None, "ERR_CONNECTION_REFUSED"),  # nothing listens: the driver raises
    (9, "ERR_UNSAFE_PORT"),  # refused by Chromium itself: it shows its error page
])
def test_unreachable_dashboard_fails_fast(tmp_path: Path, port: int | None, error: str) -> None:
    url = f"http://127.0.0.1:{port or _closed_port()}/horizon/"
    result = horizon_login(url, "admin", PASSWORD, tmp_path, timeout=TIMEOUT)
    assert not result.ok
    assert result.message == f"could not open {url}: {error}"
    assert result.screenshots == [tmp_path / "horizon-failed.png"]
    assert result.seconds < TIMEOUT / 2


def test_missing_driver_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(VerifyError) as caught:
        horizon_login("http://127.0.0.1:9/horizon/", "admin", PASSWORD, tmp_path,
                      driver=tmp_path / "chromedriver")
    assert caught.value.exit_code == 8
    assert str(tmp_path / "chromedriver") in caught.value.message
    assert "apt-get install chromium chromium-driver" in (caught.value.hint or "")


def test_url_without_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VerifyError, match="not an http"):
        horizon_login("10.214.0.11/horizon/", "admin", PASSWORD, tmp_path)


# What chromedriver 156 answered once, under load, when the login form was asked about while
# the page after signing in replaced it (a failed CI run's tier 1).
DETACHED = ('unknown error: unhandled inspector error: {"code":-32000,'
            '"message":"Node with given id does not belong to the document"}')


class _Element:
    """An element whose is_enabled() answers, or raises what the driver said."""

    def __init__(self, error: WebDriverException | None = None) -> None:
        self.error = error

    def is_enabled(self) -> bool:
        if self.error is not None:
            raise self.error
        return True


@pytest.mark.parametrize("error", [StaleElementReferenceException("stale element reference"),
                                   WebDriverException(DETACHED)])
def test_a_form_replaced_by_the_next_page_counts_as_answered(error: WebDriverException) -> None:
    assert browser._gone(_Element(error))(None) is True


def test_a_form_still_there_is_not_answered_and_other_errors_are_raised() -> None:
    assert browser._gone(_Element())(None) is False
    with pytest.raises(WebDriverException, match="chrome not reachable"):
        browser._gone(_Element(WebDriverException("chrome not reachable")))(None)


def test_a_check_caught_mid_navigation_is_asked_again_not_failed() -> None:
    answers: list[object] = [WebDriverException(DETACHED), ["Limit Summary"]]

    def check(_session: object) -> list[str] | None:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    polled = browser._settled(check)
    assert polled(None) is None
    assert polled(None) == ["Limit Summary"]
    with pytest.raises(WebDriverException, match="session deleted"):
        browser._settled(lambda _s: (_ for _ in ()).throw(
            WebDriverException("session deleted")))(None)

"""Horizon tested as a person would use it: headless Chromium logs in and sees the overview.

Debian's ``chromium`` and ``chromium-driver`` packages are driven by Selenium. The driver
path is always given explicitly, so Selenium Manager never runs (and ``SE_OFFLINE`` is set
while the browser starts, in case it would). Chromium resolves only the dashboard's host
(``--host-resolver-rules``) and uses no proxy, so it reaches nothing but the dashboard.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from selenium import webdriver
from selenium.common.exceptions import (
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from installer.errors import VerifyError

BROWSER_CANDIDATES = (Path("/usr/bin/chromium"), Path("/usr/bin/chromium-browser"))
DRIVER_CANDIDATES = (Path("/usr/bin/chromedriver"), Path("/usr/lib/chromium/chromedriver"))
INSTALL_HINT = (
    "install them with `apt-get install chromium chromium-driver` (or run scripts/setup.sh)"
)

LOGIN_SCREENSHOT = "horizon-login.png"
OVERVIEW_SCREENSHOT = "horizon-overview.png"
FAILED_SCREENSHOT = "horizon-failed.png"

WINDOW_SIZE = (1366, 1000)
#: Selenium logs every WebDriver command at DEBUG, typed text included.
_COMMAND_LOGGER = "selenium.webdriver.remote.remote_connection"
_MASK = "********"

_T = TypeVar("_T")
#: What chromedriver says instead of "stale element reference" when it asks about an element
#: while its document is being replaced (a navigation under way).
_DETACHED = "does not belong to the document"


@dataclass(frozen=True)
class LoginResult:
    """What a person at the browser would have seen."""

    ok: bool
    message: str
    screenshots: list[Path] = field(default_factory=list)
    seconds: float = 0.0


class _LoginFailed(Exception):
    """The dashboard answered, but not with the project overview (message says why)."""


def find_browser() -> tuple[Path, Path] | None:
    """The Chromium binary and its chromedriver, or None when either is missing."""
    browser = next((p for p in BROWSER_CANDIDATES if os.access(p, os.X_OK)), None)
    driver = next((p for p in DRIVER_CANDIDATES if os.access(p, os.X_OK)), None)
    return (browser, driver) if browser and driver else None


def horizon_login(
    url: str,
    username: str,
    password: str,
    screenshot_dir: Path,
    *,
    domain: str = "Default",
    timeout: float = 60.0,
    browser: Path | None = None,
    driver: Path | None = None,
    trusted: Path | None = None,
) -> LoginResult:
    """Open the dashboard at ``url`` (its root), log in, and look at the project overview.

    Screenshots (``horizon-login.png``, ``horizon-overview.png``, or ``horizon-failed.png``)
    go to ``screenshot_dir``. A dashboard that does not log in, or does not show the
    overview, gives ``ok=False`` with the reason; a missing browser raises ``VerifyError``.
    ``trusted``: the server certificate the TLS front door presents (DEPLOY_DIR/tls/
    server.crt; verify checks its chain to the deployment's CA on the node): the browser
    accepts that key only, as a CA it does not know signed it.
    """
    started = time.monotonic()
    root = _dashboard_root(url)
    browser, driver = _binaries(browser, driver)
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    deadline = started + timeout
    with _masked_in_logs(password), tempfile.TemporaryDirectory(prefix="si-chromium-") as profile:
        session = _start(browser, driver, urlsplit(root).hostname or "", Path(profile),
                         spki_pin(trusted) if trusted else None)
        try:
            session.set_page_load_timeout(max(timeout, 1.0))
            try:
                message = _walk(session, root, username, password, domain, deadline,
                                screenshot_dir, shots)
                ok = True
            except _LoginFailed as exc:
                ok, message = False, str(exc)
            except TimeoutException:  # a page that did not finish loading in time
                ok, message = False, f"timed out after {timeout:.0f}s{_where(session)}"
            except WebDriverException as exc:
                ok, message = False, f"browser error: {_first_line(exc.msg or str(exc))}"
            if not ok:
                with contextlib.suppress(WebDriverException):
                    shots.append(_screenshot(session, screenshot_dir / FAILED_SCREENSHOT))
        finally:
            session.quit()
    if len(password) >= 4:  # a password never belongs in a message; mask it if one leaks
        message = message.replace(password, _MASK)
    return LoginResult(ok, message, shots, round(time.monotonic() - started, 2))


def _walk(session: webdriver.Chrome, root: str, username: str, password: str, domain: str,
          deadline: float, shot_dir: Path, shots: list[Path]) -> str:
    """The person's steps; returns the success message or raises ``_LoginFailed``."""
    _open(session, root)
    if not _present(session, "id_password"):
        _wait(session, deadline, lambda d: _present(d, "id_password") or None,
              "login form (id_username, id_password)")
    user_field = session.find_element(By.ID, "id_username")
    password_field = session.find_element(By.ID, "id_password")
    domain_fields = [f for f in session.find_elements(By.ID, "id_domain") if f.is_displayed()]
    if domain_fields:
        _fill(domain_fields[0], domain)
    _fill(user_field, username)
    _fill(password_field, password)
    shots.append(_screenshot(session, shot_dir / LOGIN_SCREENSHOT))
    buttons = session.find_elements(By.ID, "loginBtn")
    if buttons:
        buttons[0].click()
    else:
        password_field.submit()
    _wait(session, deadline, _gone(password_field), "answer to signing in")
    _wait(session, deadline, _loaded, "page after signing in")
    if _present(session, "id_password"):
        alerts = _alerts(session)
        raise _LoginFailed("login refused: " + "; ".join(alerts) if alerts else
                           "still on the login page after signing in, and no message shown")
    overview = urljoin(root, "project/")
    if urlsplit(session.current_url).path != urlsplit(overview).path:
        _open(session, overview)
        if _present(session, "id_password"):
            raise _LoginFailed(f"{overview} sent the logged-in user back to the login page")
    headings = _wait(session, deadline, _overview_headings,
                     "project overview (title 'Overview', Limit/Usage Summary)")
    errors = _alerts(session)
    shots.append(_screenshot(session, shot_dir / OVERVIEW_SCREENSHOT))
    if errors:
        raise _LoginFailed(f"overview page '{session.title}' shows errors: " + "; ".join(errors))
    return (f"logged in as {username}; overview page '{session.title}' "
            f"({', '.join(headings)})")


def _dashboard_root(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise VerifyError(f"dashboard URL {url!r} is not an http(s) URL",
                          hint="give the dashboard root, e.g. http://10.214.0.11/horizon/")
    return url if url.endswith("/") else url + "/"


def _binaries(browser: Path | None, driver: Path | None) -> tuple[Path, Path]:
    found = find_browser()
    browser = browser or (found[0] if found else BROWSER_CANDIDATES[0])
    driver = driver or (found[1] if found else DRIVER_CANDIDATES[0])
    missing = [str(p) for p in (browser, driver) if not os.access(p, os.X_OK)]
    if missing:
        raise VerifyError(f"the browser check needs Chromium and chromedriver; missing: "
                          f"{', '.join(missing)}", hint=INSTALL_HINT)
    return browser, driver


def spki_pin(certificate: Path) -> str:
    """base64 SHA-256 of the first certificate's public key, as Chromium's
    --ignore-certificate-errors-spki-list takes it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    cert = x509.load_pem_x509_certificates(certificate.read_bytes())[0]
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return base64.b64encode(digest.finalize()).decode()


def chromium_arguments(dashboard_host: str, profile: Path, pin: str | None = None) -> list[str]:
    """Headless, root-safe flags; only ``dashboard_host`` resolves, no proxy is used; with
    ``pin``, the server key it names is accepted (the deployment's own CA)."""
    width, height = WINDOW_SIZE
    pinned = [f"--ignore-certificate-errors-spki-list={pin}"] if pin else []
    return [*pinned,
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-default-apps", "--disable-extensions",
        "--metrics-recording-only", "--no-proxy-server", "--no-default-browser-check",
        f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {dashboard_host}",
        f"--user-data-dir={profile}", f"--window-size={width},{height}",
    ]


def _start(browser: Path, driver: Path, host: str, profile: Path,
           pin: str | None = None) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser)
    for argument in chromium_arguments(host, profile, pin):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "credentials_enable_service": False,
        "profile.password_manager_enabled": False,
        "profile.password_manager_leak_detection": False,
    })
    service = Service(executable_path=str(driver), log_output=subprocess.DEVNULL)
    try:
        with _offline_selenium():
            return webdriver.Chrome(options=options, service=service)
    except WebDriverException as exc:
        raise VerifyError(f"could not start headless Chromium ({browser}) with {driver}: "
                          f"{_first_line(exc.msg or str(exc))}",
                          hint="check that chromium and chromium-driver are the same version; "
                          + INSTALL_HINT) from exc


@contextlib.contextmanager
def _offline_selenium() -> Iterator[None]:
    """Selenium Manager (never needed: the driver path is given) must not download."""
    previous = os.environ.get("SE_OFFLINE")
    os.environ["SE_OFFLINE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SE_OFFLINE", None)
        else:
            os.environ["SE_OFFLINE"] = previous


class _Redact(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if self.secret in text:
            record.msg, record.args = text.replace(self.secret, _MASK), None
        return True


@contextlib.contextmanager
def _masked_in_logs(secret: str) -> Iterator[None]:
    """Selenium's DEBUG log of the typed password shows only a mask."""
    if not secret:
        yield
        return
    logger, redact = logging.getLogger(_COMMAND_LOGGER), _Redact(secret)
    logger.addFilter(redact)
    try:
        yield
    finally:
        logger.removeFilter(redact)


def _detached(exc: WebDriverException) -> bool:
    """An element of a document that a navigation is replacing, in either of the driver's words."""
    return isinstance(exc, StaleElementReferenceException) or _DETACHED in (exc.msg or "")


def _gone(element: WebElement) -> Callable[[Any], bool]:
    """A wait condition: ``element``'s page has been replaced (the form was answered)."""
    def condition(_session: Any) -> bool:
        try:
            element.is_enabled()
        except WebDriverException as exc:
            if _detached(exc):
                return True
            raise
        return False
    return condition


def _settled(condition: Callable[[Any], _T]) -> Callable[[Any], _T | None]:
    """``condition``, asked again at the next poll when a navigation replaced the page under it."""
    def polled(session: Any) -> _T | None:
        try:
            return condition(session)
        except WebDriverException as exc:
            if _detached(exc):
                return None
            raise
    return polled


def _wait(session: webdriver.Chrome, deadline: float, condition: Callable[[Any], _T],
          what: str) -> _T:
    remaining = max(deadline - time.monotonic(), 0.5)
    try:
        return WebDriverWait(session, remaining, poll_frequency=0.25).until(_settled(condition))
    except TimeoutException as exc:
        raise _LoginFailed(f"no {what} within the time allowed{_where(session)}") from exc


def _where(session: webdriver.Chrome) -> str:
    """`` at URL (page 'title')`` for a message, or nothing if the browser cannot say."""
    try:
        return f" at {session.current_url} (page '{session.title}')"
    except WebDriverException:
        return ""


def _loaded(session: Any) -> bool:
    return session.execute_script("return document.readyState") == "complete"


def _present(session: Any, element_id: str) -> bool:
    return bool(session.find_elements(By.ID, element_id))


def _fill(element: WebElement, value: str) -> None:
    if element.tag_name.lower() == "select":
        choice = Select(element)
        try:
            choice.select_by_visible_text(value)
        except WebDriverException:
            choice.select_by_value(value)
        return
    element.clear()
    element.send_keys(value)


def _open(session: webdriver.Chrome, url: str) -> None:
    """Load ``url``; a site that cannot be reached is a failed check, not a crash."""
    try:
        session.get(url)
    except WebDriverException as exc:
        code = re.search(r"net::(ERR_[A-Z_]+)", exc.msg or "")
        if code is None:
            raise
        raise _LoginFailed(f"could not open {url}: {code.group(1)}") from exc
    # some errors (an unsafe port, older drivers) show Chromium's own error page instead
    code = session.execute_script(
        "return document.getElementById('main-frame-error') && "
        "((document.querySelector('.error-code') || {}).textContent || 'error page')")
    if code:
        raise _LoginFailed(f"could not open {url}: {code.strip()}")


def _alerts(session: webdriver.Chrome) -> list[str]:
    """Visible error alerts (Horizon's form errors and toast messages), in page order."""
    texts = [" ".join(e.text.split()) for e in
             session.find_elements(By.CSS_SELECTOR, ".alert-danger, .alert-error")
             if e.is_displayed()]
    return list(dict.fromkeys(t for t in texts if t))


def _overview_headings(session: Any) -> list[str] | None:
    """Horizon's project overview: title and heading 'Overview', and its summary sections."""
    if not _loaded(session) or "Overview" not in session.title:
        return None
    headers = [e.text.strip() for e in session.find_elements(By.CSS_SELECTOR, ".page-header h1")]
    if headers and not any("Overview" in h for h in headers):
        return None
    found = [e.text.strip() for e in session.find_elements(By.CSS_SELECTOR, ".quota-heading")]
    return [h for h in found if h] or None


def _screenshot(session: webdriver.Chrome, path: Path) -> Path:
    path.write_bytes(session.get_screenshot_as_png())
    return path


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


__all__ = ["LoginResult", "chromium_arguments", "find_browser", "horizon_login"]

"""Fixtures for the browser tests: the real stack (migrate, load_content, gunicorn) on a
throw-away SQLite file with a content editor account (EDITOR, see editor_account) and a
reception account (RECEPTION, see reception_account), and one headless Chromium shared by
every test.

The contact form's defences are set for tests: no per-IP rate limit, a short minimum time
(ENQUIRY_MIN_SECONDS in helpers.py) before a sent form counts as a person's, and emails
printed to gunicorn's stdout instead of sent.

These tests never use pytest-django's database: nothing here is marked django_db, and the
site runs in its own process with its own DATABASE_URL.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import ENQUIRY_MIN_SECONDS, ROOT, viewport_size

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 30  # seconds for gunicorn to answer
LISTENING_RE = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


@dataclass(frozen=True)
class StaffAccount:
    username: str
    password: str
    name: str
    role: str
    job_title: str = "Pain physician"


# Made by create_staff_user in the throw-away database only; never a real account.
EDITOR = StaffAccount(
    username="browser-editor",
    password="a-Long-browser-password-42",
    name="Robin Browser",
    role="editor",
)
RECEPTION = StaffAccount(
    username="browser-reception",
    password="a-Long-reception-password-42",
    name="Jo Frontdesk",
    role="reception",
    job_title="Receptionist",
)


def _in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _require_chromium():
    """Skip without Chromium, except in CI, where browser tests must always run."""
    if CHROMIUM.exists():
        return
    if _in_ci():
        pytest.fail(
            f"CI=true but {CHROMIUM} is missing: the browser tests must run in CI. "
            "Install Debian's chromium package in the CI image.",
            pytrace=False,
        )
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def _gunicorn():
    for candidate in (
        ROOT / ".venv" / "bin" / "gunicorn",
        Path(sys.executable).parent / "gunicorn",
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gunicorn")
    if not found:
        pytest.fail("gunicorn is not installed in the test environment", pytrace=False)
    return found


def _secret_key():
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if len(key) >= 50:
        return key
    return secrets.token_urlsafe(64)  # only reached when settings would not load anyway


def _run(args, env, what, stdin=None):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{what} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result


def _static_is_stale():
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    collected = manifest.stat().st_mtime
    return any(f.stat().st_mtime > collected for f in (ROOT / "static").rglob("*") if f.is_file())


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    """Base URL (no trailing slash) of the real site served by gunicorn, DEBUG off."""
    _require_chromium()
    tmp = tmp_path_factory.mktemp("browser-site")
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="pit_site.settings",
        DJANGO_SECRET_KEY=_secret_key(),
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{tmp / 'browser.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp / "media"),  # editor uploads stay out of the project
        ENQUIRY_RATE_LIMIT="off",  # every test posts from 127.0.0.1
        ENQUIRY_MIN_SECONDS=str(ENQUIRY_MIN_SECONDS),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    _run(["migrate", "--no-input", "-v", "0"], env, "migrate")
    _run(["load_content"], env, "load_content")
    _create_staff_user(EDITOR, env)
    _create_staff_user(RECEPTION, env)
    if _static_is_stale():  # `make test` collects first; a bare `pytest` may not have
        _run(["collectstatic", "--no-input", "-v", "0"], env, "collectstatic")

    stderr_path = tmp / "gunicorn.stderr"
    with open(stderr_path, "w") as stderr, open(tmp / "gunicorn.stdout", "w") as stdout:
        server = subprocess.Popen(  # noqa: S603
            [
                _gunicorn(),
                "-c",
                str(ROOT / "pit_site" / "gunicorn.conf.py"),
                "pit_site.wsgi",
                "--bind",
                "127.0.0.1:0",  # the OS picks a free port; gunicorn logs which
                "--workers",
                "2",
                "--no-control-socket",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        base = _wait_until_serving(server, stderr_path)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log = stderr_path.read_text()
    assert not _unexpected_exceptions(log), f"gunicorn logged an exception:\n{log}"


# Django logs a refused admin page (403) with its traceback; the tests ask for some on purpose.
EXPECTED_EXCEPTIONS = {"django.core.exceptions.PermissionDenied"}


def _unexpected_exceptions(log):
    """The final line of each traceback in the log, apart from EXPECTED_EXCEPTIONS."""
    found = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        # The exception line is the first one after the indented stack frames.
        last = next((line for line in block.splitlines()[1:] if line[:1].strip()), "?")
        if last.split(":")[0].strip() not in EXPECTED_EXCEPTIONS:
            found.append(last)
    return found


def _create_staff_user(account, env):
    _run(
        [
            "create_staff_user",
            account.username,
            "--role",
            account.role,
            "--name",
            account.name,
            "--job-title",
            account.job_title,
            "--password-stdin",
        ],
        env,
        f"create_staff_user {account.username}",
        stdin=account.password + "\n",
    )


@pytest.fixture(scope="session")
def editor_account(site_url):
    """The content editor's StaffAccount (username, password...) in the site's database."""
    return EDITOR


@pytest.fixture(scope="session")
def reception_account(site_url):
    """The receptionist's StaffAccount (enquiries only) in the site's database."""
    return RECEPTION


def _wait_until_serving(server, stderr_path):
    deadline = time.monotonic() + START_TIMEOUT
    base = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"gunicorn exited with {server.returncode}:\n{stderr_path.read_text()}",
                pytrace=False,
            )
        if base is None:
            match = LISTENING_RE.search(stderr_path.read_text())
            if match:
                base = f"http://127.0.0.1:{match.group(1)}"
        if base is not None:
            try:
                with urllib.request.urlopen(f"{base}/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return base
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(0.2)
    server.kill()
    pytest.fail(
        f"gunicorn did not answer within {START_TIMEOUT}s:\n{stderr_path.read_text()}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole run (never a downloaded browser)."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def viewport_context(chromium):
    """viewport_context("phone" | "desktop" | "narrow"): one shared context per viewport."""
    contexts = {}

    def get(name):
        if name not in contexts:
            contexts[name] = chromium.new_context(viewport=viewport_size(name), locale="en-GB")
            contexts[name].set_default_timeout(10_000)
        return contexts[name]

    yield get
    for context in contexts.values():
        context.close()


def _watch_subresources(page):
    """Collect failed sub-resources (CSS, icons...) of the page's loads into page.failed."""
    failed = []

    def on_failed(request):
        # ERR_ABORTED: cancelled by the next navigation in a shared tab, not a site fault.
        if "ERR_ABORTED" not in (request.failure or ""):
            failed.append(f"{request.url} ({request.failure})")

    page.on("requestfailed", on_failed)
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.url} ({r.status})")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    return failed


def _goto(page, failed, url):
    failed.clear()
    response = page.goto(url, wait_until="load")
    assert not failed, f"{url}: sub-resources failed to load: {failed}"
    return response


@pytest.fixture
def open_page(site_url, viewport_context):
    """open_page(path, viewport="desktop") -> (page, response), in a new tab.

    Checks that no stylesheet, icon or other sub-resource failed; closes the tab after.
    """
    pages = []

    def load(path, viewport="desktop"):
        page = viewport_context(viewport).new_page()
        pages.append(page)
        return page, _goto(page, _watch_subresources(page), site_url + path)

    yield load
    for page in pages:
        page.close()


@pytest.fixture(scope="session")
def _shared_tabs(viewport_context):
    tabs = {}
    yield tabs
    for page, _failed in tabs.values():
        page.close()


@pytest.fixture
def shared_page(site_url, viewport_context, _shared_tabs):
    """shared_page(path, viewport) -> (page, response), reusing one tab per viewport.

    Much faster than a new tab per test; only for tests that just load and inspect a page
    (no focus, media emulation or other state left behind).
    """

    def load(path, viewport="desktop"):
        if viewport not in _shared_tabs:
            page = viewport_context(viewport).new_page()
            _shared_tabs[viewport] = (page, _watch_subresources(page))
        page, failed = _shared_tabs[viewport]
        return page, _goto(page, failed, site_url + path)

    return load


@pytest.fixture(scope="session")
def axe_source():
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()

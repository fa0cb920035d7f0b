"""Fixtures for the browser tests: the real stack (migrate, load_content, the Procfile's web
server, started by scripts/livesite.py) on a throw-away SQLite file with a content editor
account (EDITOR, see editor_account) and a reception account (RECEPTION, see
reception_account), and one headless Chromium shared by every test.

The contact form's defences are set for tests: no per-IP rate limit, a short minimum time
(ENQUIRY_MIN_SECONDS in helpers.py) before a sent form counts as a person's, and emails
printed to the server's stdout instead of sent.

These tests never use pytest-django's database: nothing here is marked django_db, and the
site runs in its own process with its own DATABASE_URL.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.livesite import StackError, manage, prepare, python, site_env, start_web

from .helpers import ENQUIRY_MIN_SECONDS, recovery_codes, viewport_size

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
ADMIN = StaffAccount(
    username="browser-admin", password="a-Long-admin-password-42", name="Ada Admin", role="admin"
)
# No second factor yet: the two-factor tests enrol them at their first sign-in.
APP_NEWCOMER = StaffAccount(
    username="browser-app", password="a-Long-app-password-42", name="Ali App", role="editor"
)
PASSKEY_NEWCOMER = StaffAccount(
    username="browser-passkey", password="a-Long-key-password-42", name="Kay Key", role="editor"
)
NEWCOMERS = (APP_NEWCOMER, PASSKEY_NEWCOMER)
ACCOUNTS = (EDITOR, RECEPTION, ADMIN, *NEWCOMERS)

# The other accounts' second factors, made in the throw-away database: an authenticator app
# nobody uses, and recovery codes, one used up by each helpers.sign_in.
GIVE_RECOVERY_CODES = """
import sys
from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
username, *codes = sys.argv[1:]
user = User.objects.get(username=username)
TOTPDevice.objects.create(user=user, name="Unused app", confirmed=True)  # a factor to need
device = StaticDevice.objects.create(user=user, name="Browser")
device.token_set.bulk_create(device.token_set.model(device=device, token=c) for c in codes)
"""


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


def _started(what):
    """pytest.fail (not an error trace) when the stack cannot be set up."""
    try:
        return what()
    except StackError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    """Base URL (no trailing slash) of the real site (the Procfile's web: line), DEBUG off."""
    _require_chromium()
    tmp = tmp_path_factory.mktemp("browser-site")
    env = site_env(
        f"sqlite:///{tmp / 'browser.sqlite3'}",
        tmp,
        ENQUIRY_RATE_LIMIT="off",  # every test posts from 127.0.0.1
        ENQUIRY_STORE_LIMIT="off",
        ENQUIRY_MIN_SECONDS=str(ENQUIRY_MIN_SECONDS),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    _started(lambda: prepare(env))
    for account in ACCOUNTS:
        _started(lambda account=account: _create_account(account, env))
    server = _started(
        lambda: start_web(env, tmp / "web.stderr", tmp / "web.stdout", WEB_CONCURRENCY="2")
    )
    try:
        yield server.base_url
    finally:
        server.stop()
    log = server.log_text()
    assert not _unexpected_exceptions(log), f"the server logged an exception:\n{log}"


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


def _create_account(account, env):
    """``account`` made with create_staff_user, with second factors unless a newcomer."""
    manage(
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
        stdin=account.password + "\n",
    )
    if account not in NEWCOMERS:
        codes = recovery_codes(account)
        python(["-c", SETUP_DJANGO + GIVE_RECOVERY_CODES, account.username, *codes], env, "codes")


SETUP_DJANGO = (
    "import django, os\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'pit_site.settings')\n"
    "django.setup()\n"
)


def _account_fixture(account, description):
    """A session fixture giving ``account``, made in the site's database with the site."""

    def fixture(site_url):
        return account

    fixture.__doc__ = description
    return pytest.fixture(scope="session")(fixture)


editor_account = _account_fixture(EDITOR, "The content editor (username, password...).")
reception_account = _account_fixture(RECEPTION, "The receptionist (enquiries only).")
admin_account = _account_fixture(ADMIN, "An administrator: user accounts and the audit trail.")
app_newcomer = _account_fixture(APP_NEWCOMER, "No second factor yet: enrols an authenticator app.")
passkey_newcomer = _account_fixture(PASSKEY_NEWCOMER, "No second factor yet: enrols a passkey.")


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

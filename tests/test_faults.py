"""The site stays up when Redis or the database fails. Every outage here is real: the service
sits behind a TCP proxy (scripts/tcpproxy.py) that the test cuts (connections refused and
reset) or hangs (accepted, never answered); the clients are the real ones.

Redis: in this process, with the production cache settings (settings.redis_cache) pointed at the
proxy. Without REDIS_URL (a Redis database the tests may use) the proxy leads to a closed port,
so only the outage tests run. The database: the real stack (scripts/livesite.py) on a fresh
PostgreSQL database and Redis, both behind proxies; it needs PostgreSQL on 127.0.0.1:5432 and
REDIS_URL, and is skipped without them.
"""

import contextlib
import json
import logging
import os
import signal
import tempfile
import time
import urllib.error
import urllib.parse
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import pit_site.cache
from pit_site import outage, pagecache
from pit_site import settings as site_settings
from pit_site.clinic import contact_copy
from pit_site.clinic.models import Clinic
from pit_site.enquiries.models import Enquiry
from pit_site.pagecache import PageCache
from pit_site.pages.models import Page
from scripts import livesite
from scripts.tcpproxy import TcpProxy
from tests.clinic.admin_form import UNCHANGED_TEAM
from tests.helpers import enquiry_data, wsgi_get

REDIS = urlsplit(os.environ.get("REDIS_URL", ""))
needs_redis = pytest.mark.skipif(
    not REDIS.hostname, reason="needs REDIS_URL: a Redis database the tests may use"
)
PASSWORD = "a-Long-staff-password-7"


class Deadline(BaseException):
    """Raised by a timer: not an Exception, so no client library can swallow it."""


@contextlib.contextmanager
def deadline(seconds):
    """Fail instead of hanging the suite if something waits on a hung service unbounded."""

    def expired(*_args):
        raise Deadline(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def redis(settings):
    """The site's cache is Redis behind a proxy the test controls (a closed port without
    REDIS_URL), with the production settings: the fail-soft backend and short timeouts."""
    upstream = (REDIS.port or 6379) if REDIS.hostname else livesite.free_port()
    with TcpProxy(upstream, REDIS.hostname or livesite.HOST) as proxy:
        database = REDIS.path.strip("/") or "0"
        settings.CACHES = {
            "default": site_settings.redis_cache(f"redis://{livesite.HOST}:{proxy.port}/{database}")
        }
        yield proxy
    pit_site.cache._outages.clear()


@pytest.fixture
def keep_the_test_connection():
    """The real WSGI handler closes the database connection at the end of each request, and
    with it the test's transaction; Django's test client avoids the same."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def serving_counted():
    """The page cache in front of Django, as in wsgi.py, counting the requests Django answers."""
    from pit_site.wsgi import django_application

    def django(environ, start_response):
        app.django_calls += 1
        return django_application(environ, start_response)

    app = PageCache(django)
    app.django_calls = 0
    return app


@pytest.fixture
def site(keep_the_test_connection):
    return serving_counted()


def fresh(app):
    app.version_checked = 0  # skip the one-second wait before the version is read again


def public_paths():
    pages = Page.objects.published().values_list("path", flat=True)
    return [f"/{path}/" if path else "/" for path in pages] + ["/sitemap.xml", "/robots.txt"]


def cache_warnings(caplog):
    return [r for r in caplog.records if r.name == "pit_site.cache" and r.levelno >= logging.WARN]


# --- Redis down -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_refusing_every_public_page_is_rendered_from_the_database(redis, site, caplog):
    redis.cut()
    paths = public_paths()
    assert len(paths) > 20
    with deadline(60):
        for path in paths:
            assert wsgi_get(site, path)["status"] == "200 OK", path
        faq = Page.objects.get(path="faqs")
        faq.title = "Questions asked while the cache is down"
        faq.save()
        fresh(site)
        assert b"Questions asked while the cache is down" in wsgi_get(site, "/faqs/")["body"]
    assert site.django_calls == len(paths) + 1  # nothing was kept, not even in this process
    assert len(cache_warnings(caplog)) == 1  # one warning, not one per request


@pytest.mark.django_db
def test_with_redis_hung_pages_wait_at_most_the_short_timeout(redis, site):
    redis.hang()
    waits = []
    with deadline(30):  # Redis's own default is to wait for ever
        for path in ["/", "/faqs/", "/conditions/knee-pain/", "/contact/", "/evidence/"]:
            started = time.monotonic()
            assert wsgi_get(site, path)["status"] == "200 OK", path
            waits.append(time.monotonic() - started)
    assert max(waits) < 3, waits  # the first waits for the 0.5 s timeout, once
    assert cache.outage.failed_calls == 1  # then the breaker skipped Redis: no more timeouts


@pytest.mark.django_db
def test_an_ongoing_outage_is_logged_once_per_interval_not_per_request(
    redis, site, caplog, monkeypatch
):
    monkeypatch.setattr(pit_site.cache, "RETRY_SECONDS", 0)  # every call tries Redis again
    redis.cut()
    for _ in range(10):
        fresh(site)
        assert wsgi_get(site, "/faqs/")["status"] == "200 OK"
    [warning] = cache_warnings(caplog)
    assert "Cache unavailable" in warning.getMessage()
    monkeypatch.setattr(pit_site.cache, "LOG_SECONDS", 0)  # the interval has passed
    wsgi_get(site, "/faqs/")
    assert len(cache_warnings(caplog)) > 1


@pytest.mark.django_db
def test_with_redis_down_the_contact_form_stores_enquiries_and_tells_staff(
    redis, client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ENQUIRY_MIN_SECONDS = 0
    settings.ENQUIRY_RATE_LIMIT = "1/h"  # cannot be counted without the cache: not applied
    redis.cut()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/contact/", enquiry_data(client))
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200
    assert [e.suspected_spam for e in Enquiry.objects.all()] == ["", ""]
    assert sum(m.to == ["reception@example.com"] for m in mailoutbox) == 2


@pytest.mark.django_db
def test_with_redis_down_staff_sign_in_and_work_and_throttling_still_holds(redis):
    """Sessions and sign-in throttling live in the database (decision 0009)."""
    redis.cut()
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    app = TOTPDevice.objects.create(user=boss, name="Phone", confirmed=True)
    staff = Client()
    assert (
        staff.post("/admin/login/", {"username": "boss", "password": PASSWORD}).status_code == 302
    )
    code = f"{totp(app.bin_key, t0=app.t0, step=app.step):06d}"
    second_step = staff.post("/admin/security/second-step/", {"code": code, "next": "/admin/"})
    assert second_step.status_code == 302, "the second step (throttled in the database)"
    for path in ["/admin/", "/admin/enquiries/enquiry/", "/admin/pages/page/", "/faqs/"]:
        assert staff.get(path).status_code == 200, path
    form = staff.get("/admin/clinic/clinic/1/change/")
    assert form.status_code == 200
    data = {k: getattr(Clinic.load(), k) for k in contact_copy.FIELDS}
    data.update(phone="0117 496 0999", address="1 Road", reply_time="soon",
                notification_emails="reception@example.com")  # fmt: skip
    del data["phone_href"]
    assert staff.post("/admin/clinic/clinic/1/change/", data | UNCHANGED_TEAM).status_code == 302
    assert Clinic.load().phone == "0117 496 0999"

    stranger = Client()
    for _ in range(5):
        stranger.post("/admin/login/", {"username": "boss", "password": "wrong"})
    locked = stranger.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert locked.status_code == 429  # the lock-out is counted in the database


@needs_redis
@pytest.mark.django_db
def test_when_redis_returns_caching_resumes_and_edits_made_meanwhile_show(
    redis, site, caplog, monkeypatch
):
    monkeypatch.setattr(pit_site.cache, "RETRY_SECONDS", 0.1)
    other_server = serving_counted()
    for app in (site, other_server):
        wsgi_get(app, "/faqs/")
        wsgi_get(app, "/faqs/")
    assert (site.django_calls, other_server.django_calls) == (1, 0)  # the rest from the cache

    redis.cut()  # Redis keeps its data: a network fault, not a restart
    fresh(site)
    assert wsgi_get(site, "/faqs/")["status"] == "200 OK"
    faq = Page.objects.get(path="faqs")
    faq.title = "Edited while the cache was away"
    faq.save()  # the version cannot be bumped now

    redis.restore()
    time.sleep(0.2)
    fresh(site)
    assert b"Edited while the cache was away" in wsgi_get(site, "/faqs/")["body"]
    calls = site.django_calls
    wsgi_get(site, "/faqs/")
    assert site.django_calls == calls  # cached again, without a restart
    fresh(other_server)  # never noticed the outage, but sees the version the first one bumped
    assert b"Edited while the cache was away" in wsgi_get(other_server, "/faqs/")["body"]
    assert any("Cache answering again" in r.getMessage() for r in cache_warnings(caplog))


def test_the_page_cache_skips_the_sites_own_paths_and_content_may_not_use_them(settings):
    from pit_site.pages.content import ContentError, check_url_path

    settings.ADMIN_PATH = "staff-area/"
    app = PageCache(lambda environ, start_response: [])
    for segment in ("admin", "static", "media", "editor", "healthz", "staff-area"):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/{segment}/x", "wsgi.url_scheme": "http"}
        assert app.key(environ) is None, segment
        with pytest.raises(ContentError, match="reserved"):
            check_url_path(f"{segment}/page")
    assert pagecache.PUBLIC_MODELS == (
        "pages.Page",
        "clinic.Clinic",
        "clinic.Clinician",
        "references.Reference",
    )


# --- The database down ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_copy_of_the_contact_details_is_written_on_load_and_follows_every_save():
    Clinic.load()
    assert contact_copy.read()["phone"] == "01632 960 123"
    clinic = Clinic.load()
    clinic.phone = "0117 496 0123"
    clinic.save()
    assert contact_copy.read()["phone"] == "0117 496 0123"
    assert json.loads(contact_copy.path().read_text())["phone_href"] == "tel:01174960123"


@pytest.mark.django_db
def test_the_503_and_500_pages_give_the_phone_number_without_the_database(
    rf, django_assert_num_queries
):
    Clinic.load()  # the copy
    with django_assert_num_queries(0):
        sent = outage.unavailable(rf.post("/contact/"))
        shown = outage.unavailable(rf.get("/faqs/"))
        error = outage.server_error(rf.get("/faqs/"))
    assert (sent.status_code, shown.status_code, error.status_code) == (503, 503, 500)
    assert sent["Retry-After"] and sent["Cache-Control"] == "no-store"
    assert "Your message was not sent" in sent.content.decode()
    assert "not sent" not in shown.content.decode()
    for response in (sent, shown, error):
        html = response.content.decode()
        assert 'href="tel:01632960123"' in html and "call 999" in html

    contact_copy.path().unlink()
    contact_copy._written.clear()
    html = outage.unavailable(rf.get("/")).content.decode()
    assert "not for emergencies" in html and "emergency department" in html


@pytest.fixture(scope="module")
def stack():
    """The real stack on a fresh PostgreSQL database, the database and Redis behind proxies."""
    if not REDIS.hostname or not livesite.postgres_available():
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and REDIS_URL")
    with contextlib.ExitStack() as exits:
        tmp = Path(exits.enter_context(tempfile.TemporaryDirectory(prefix="pit-faults-")))
        database_url = exits.enter_context(livesite.temporary_postgres_database("pit_faults"))
        database = urlsplit(database_url)
        db_proxy = exits.enter_context(TcpProxy(database.port))
        redis_proxy = exits.enter_context(TcpProxy(REDIS.port or 6379, REDIS.hostname))
        env = livesite.site_env(
            database_url.replace(f":{database.port}/", f":{db_proxy.port}/"),
            tmp,
            REDIS_URL=f"redis://{livesite.HOST}:{redis_proxy.port}{REDIS.path}",
            PIT_FALLBACK_DIR=str(tmp / "fallback"),
            ENQUIRY_MIN_SECONDS="0",
            ENQUIRY_RATE_LIMIT="off",
            WEB_CONCURRENCY="2",
            REDIS_TIMEOUT="2",  # a busy test machine can stall a worker for 0.5 s
        )
        livesite.prepare(env)
        server = exits.enter_context(livesite.serving_web(env, tmp / "server.log", name="site"))
        yield server, db_proxy, database_url


def fetch(url, data=None, opener=None):
    """(status, body) without raising for 4xx/5xx."""
    opener = opener or livesite.cookie_opener()[0]
    try:
        with opener.open(url, data=data, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def enquiry(base_url, name):
    """An opener with the contact form loaded, and the form to send (as bytes)."""
    opener, _jar = livesite.cookie_opener()
    values = livesite.form_inputs(opener, f"{base_url}/contact/")
    values.update(name=name, email="sam@example.org", preferred_contact="email", kind="question",
                  message="Sent to test an outage.", consent="on")  # fmt: skip
    return opener, urllib.parse.urlencode(values).encode()


def stored(database_url, name):
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as connection:
        query = "SELECT count(*) FROM enquiries_enquiry WHERE name = %s"
        return connection.execute(query, [name]).fetchone()[0]


def test_with_the_database_down_cached_pages_are_served_the_rest_is_a_503_with_the_phone(stack):
    server, db_proxy, database_url = stack
    base = server.base_url
    # This test's own set-up emptied Redis, content version included, after the server started:
    # let every worker notice (each checks once a second), or a page cached under the old
    # version is missed once the database is cut.
    time.sleep(pagecache.VERSION_CHECK_SECONDS + 0.5)
    for _ in range(2):  # /faqs/ is now in the cache (and both workers have seen the clinic)
        assert fetch(f"{base}/faqs/")[0] == 200
        assert fetch(f"{base}/contact/")[0] == 200
    opener, form = enquiry(base, "Cut Off")

    db_proxy.cut()
    try:
        with deadline(60):
            status, body = fetch(f"{base}/faqs/")
            assert status == 200 and "Frequently asked questions" in body, server.log_text()
            for path in ["/conditions/knee-pain/", "/contact/", "/no-such-page/"]:
                status, body = fetch(f"{base}{path}")
                assert status == 503, path
                assert "01632 960 123" in body and "call 999" in body, path
                assert "not sent" not in body
            status, body = fetch(f"{base}/contact/", form, opener)
            assert status == 503
            assert "Your message was not sent" in body and "01632 960 123" in body
            assert fetch(f"{base}/healthz")[0] == 503
    finally:
        db_proxy.restore()

    with deadline(60):
        assert fetch(f"{base}/conditions/knee-pain/")[0] == 200
        assert fetch(f"{base}/healthz")[0] == 200
        opener, form = enquiry(base, "Back Again")
        assert fetch(f"{base}/contact/", form, opener)[0] == 302
    assert stored(database_url, "Back Again") == 1
    assert stored(database_url, "Cut Off") == 0
    log = server.log_text()
    assert 1 <= log.count("Database unavailable") <= 2  # once per worker, not per request
    errors = [line for line in log.splitlines() if line.startswith(("Internal", "Service"))]
    assert errors == ["Service Unavailable: /healthz"], log  # one line per 503, for /healthz only

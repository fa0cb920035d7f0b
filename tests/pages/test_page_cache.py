"""Published pages served from the shared cache in front of Django: fast, fresh, never private."""

import gzip
import time

import brotli
import pytest
from django.test import RequestFactory

from pit_site.clinic.models import Clinic
from pit_site.pagecache import PageCache
from pit_site.pages.models import Page, Status
from tests.helpers import wsgi_get as get

pytestmark = pytest.mark.django_db


class Recorder:
    """Wraps the Django WSGI app to count how often a request reaches Django."""

    def __init__(self):
        from pit_site.wsgi import django_application

        self.app, self.calls = django_application, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calling the real WSGI handler fires request_finished, which closes the database
    connection and with it the test's transaction; Django's test client avoids the same."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def site():
    django = Recorder()
    cache = PageCache(django)
    cache.django = django
    return cache


def fresh(site):
    site.version_checked = 0  # skip the one-second wait before noticing a new version


def test_second_request_is_served_without_django_and_compressed(site):
    first = get(site, "/faqs/", HTTP_ACCEPT_ENCODING="gzip, br")
    second = get(site, "/faqs/", HTTP_ACCEPT_ENCODING="gzip")
    plain = get(site, "/faqs/")
    assert site.django.calls == 1
    assert first["headers"]["Content-Encoding"] == "br"
    html = brotli.decompress(first["body"])
    assert gzip.decompress(second["body"]) == html == plain["body"]
    assert b"Frequently asked questions" in html
    assert "Content-Encoding" not in plain["headers"]
    assert first["headers"]["Content-Security-Policy"]  # security headers kept
    assert first["headers"]["Cache-Control"] == "public, no-cache"
    assert "X-Public-Page" not in first["headers"]
    assert "Accept-Encoding" in first["headers"]["Vary"]


def test_conditional_get_gets_a_304(site):
    etag = get(site, "/faqs/", HTTP_ACCEPT_ENCODING="gzip")["headers"]["ETag"]
    again = get(site, "/faqs/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert again["status"].startswith("304") and again["body"] == b""
    other = get(site, "/faqs/", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etag)
    assert other["status"].startswith("200")  # a different encoding is a different entity


def test_if_modified_since_gets_a_304_until_the_content_changes(site):
    first = get(site, "/faqs/")
    modified = first["headers"]["Last-Modified"]
    again = get(site, "/faqs/", HTTP_IF_MODIFIED_SINCE=modified)
    assert again["status"].startswith("304") and again["body"] == b""
    older = get(site, "/faqs/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2024 00:00:00 GMT")
    assert older["status"].startswith("200")
    junk = get(site, "/faqs/", HTTP_IF_MODIFIED_SINCE="yesterday<script>")
    assert junk["status"].startswith("200")
    # If-None-Match decides when both are sent (RFC 9110): a stale ETag means a full answer.
    both = get(site, "/faqs/", HTTP_IF_MODIFIED_SINCE=modified, HTTP_IF_NONE_MATCH='"stale"')
    assert both["status"].startswith("200")

    time.sleep(1.1)  # HTTP dates count whole seconds
    faq = Page.objects.get(path="faqs")
    faq.title = "Questions people ask us"
    faq.save()
    fresh(site)
    changed = get(site, "/faqs/", HTTP_IF_MODIFIED_SINCE=modified)
    assert changed["status"].startswith("200") and b"Questions people ask us" in changed["body"]
    assert changed["headers"]["Last-Modified"] != modified


def test_browsers_revalidate_and_an_unpublished_page_is_gone_at_once(site):
    """no-cache: a browser asks every time (a cheap 304 while the page is unchanged), so it
    never shows a page for a while after it was unpublished."""
    first = get(site, "/fees/", HTTP_ACCEPT_ENCODING="br")
    directives = {d.strip() for d in first["headers"]["Cache-Control"].split(",")}
    assert "no-cache" in directives and not any(d.startswith("max-age") for d in directives)
    etag, modified = first["headers"]["ETag"], first["headers"]["Last-Modified"]
    revalidated = get(
        site, "/fees/", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etag,
        HTTP_IF_MODIFIED_SINCE=modified,
    )  # fmt: skip
    assert revalidated["status"].startswith("304") and revalidated["body"] == b""
    assert site.django.calls == 1

    fees = Page.objects.get(path="fees")
    fees.status = Status.DRAFT
    fees.save()
    fresh(site)
    gone = get(
        site, "/fees/", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etag,
        HTTP_IF_MODIFIED_SINCE=modified,
    )  # fmt: skip
    assert gone["status"].startswith("404")


def test_editing_a_page_or_the_clinic_shows_at_once(site):
    assert b"Knee pain" in get(site, "/conditions/knee-pain/")["body"]
    page = Page.objects.get(path="conditions/knee-pain")
    page.title = "Knee pain (updated)"
    page.save()
    fresh(site)
    assert b"Knee pain (updated)" in get(site, "/conditions/knee-pain/")["body"]

    clinic = Clinic.load()
    clinic.phone = "0117 496 0000"
    clinic.save()
    fresh(site)
    assert b"0117 496 0000" in get(site, "/conditions/knee-pain/")["body"]


def test_other_app_servers_see_the_change_through_the_shared_version(site):
    other_server = PageCache(site.django)
    get(site, "/faqs/")
    get(other_server, "/faqs/")
    page = Page.objects.get(path="faqs")
    page.title = "Questions patients ask"
    page.save()  # on "this" server
    fresh(other_server)
    assert b"Questions patients ask" in get(other_server, "/faqs/")["body"]


def test_drafts_staff_forms_errors_and_query_strings_are_never_stored(site, editor_client):
    Page.objects.filter(path="fees").update(status=Status.DRAFT)
    for _ in range(2):
        assert get(site, "/fees/")["status"].startswith("404")
        get(site, "/contact/")
        get(site, "/faqs/", QUERY_STRING="utm_source=x")
        get(site, "/no-such-page/")
    assert site.django.calls == 8

    session = editor_client.cookies["sessionid"].value
    staff = get(site, "/fees/", HTTP_COOKIE=f"sessionid={session}")
    assert staff["status"].startswith("200") and b"Draft:" in staff["body"]
    assert "no-store" in staff["headers"]["Cache-Control"]
    get(site, "/", HTTP_COOKIE=f"sessionid={session}")
    calls = site.django.calls
    assert b"Edit this page" not in get(site, "/")["body"]  # patients never get staff links
    assert site.django.calls == calls + 1


def test_scheme_and_host_are_part_of_the_key(site):
    get(site, "/faqs/")
    get(site, "/faqs/", HTTP_X_FORWARDED_PROTO="https")
    assert site.django.calls == 2


def test_head_requests_get_headers_only(site):
    get(site, "/faqs/")
    environ = RequestFactory()._base_environ(PATH_INFO="/faqs/", REQUEST_METHOD="HEAD")
    seen = {}
    body = b"".join(site(environ, lambda status, headers: seen.update(status=status)))
    assert seen["status"].startswith("200") and body == b""


@pytest.mark.parametrize("path", ["/", "/fees/", "/conditions/", "/sitemap.xml", "/no-such-page/"])
def test_nothing_that_lists_or_shows_pages_may_be_kept_unasked(client, path):
    """A validator (Last-Modified) without Cache-Control lets a browser or proxy keep the
    answer for a while on its own guess (RFC 9111 4.2.2): an unpublished page would linger."""
    response = client.get(path)
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    asks_first = directives & {"no-cache", "no-store"}
    guessable = response.has_header("Last-Modified") or response.has_header("Expires")
    assert asks_first or not guessable, f"{path}: {response.get('Cache-Control')!r}"
    assert not any(d.startswith(("max-age", "s-maxage")) for d in directives), path

"""Serving published pages to patients from a cache shared by every app server.

``PageCache`` wraps the WSGI application (pit_site/wsgi.py). A GET or HEAD without a query
string and without a session cookie (so never a signed-in member of staff), outside the site's
own paths (``pit_site.paths``), is looked up by scheme, host and path.
On a miss Django answers as usual. If the page view marked its response as a public page
(``mark_public``) and the response sets no cookie, the response is stored with its gzip and
brotli forms, a strong ETag and the time it was made (Last-Modified), and is served from
then on without running Django: an ``If-None-Match`` that matches, or without one an
``If-Modified-Since`` no older than the entry, gets a 304.

Invalidation: every stored key includes a site-wide content version kept in the shared cache.
``PUBLIC_MODELS`` lists the models whose rows public pages show; saving or deleting one calls
``content_changed``, which bumps the version, so every app server stops using old entries
within ``VERSION_CHECK_SECONDS``. Drafts, staff previews, forms with CSRF tokens and error
pages are never marked, so never stored.

Outages: with the cache unreachable there is no version to trust, so requests go straight to
Django (pages rendered from the database) and nothing is kept, not even in this process; when
the cache answers again this process bumps the version once, as edits made meanwhile could
not. With the database down, entries in the cache are still served; misses reach Django,
which answers 503 (pit_site.outage), and that is never stored.
"""

import contextlib
import gzip
import hashlib
import time
from collections import OrderedDict

import brotli
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.http import http_date, parse_http_date_safe

from pit_site.clinic.models import CACHE_KEY as CLINIC_KEY
from pit_site.paths import site_segments

VERSION_KEY = "pagecache:version"
ENTRY_FORMAT = 2  # part of every key: raise it when the stored entry changes shape
VERSION_CHECK_SECONDS = 1.0
PUBLIC_MARK = "X-Public-Page"
STORE_SECONDS = 24 * 3600
LOCAL_ENTRIES = 256  # per process, in front of the shared cache
# Browsers and proxies may keep a copy but must ask before each use (a 304 while unchanged),
# so an unpublished or edited page is never shown from their copy.
BROWSER_CACHE_CONTROL = "public, no-cache"
# The models whose rows public pages show: a change to one changes public output.
PUBLIC_MODELS = ("pages.Page", "clinic.Clinic", "clinic.Clinician", "references.Reference")


def mark_public(response):
    response[PUBLIC_MARK] = "1"
    response["Cache-Control"] = BROWSER_CACHE_CONTROL


def content_version():
    """The site-wide content version, kept in the shared cache (started at 1 if missing).

    None when the cache cannot keep one (unreachable: a miss that cannot be filled).
    """
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, 1, None)
            version = cache.get(VERSION_KEY)
    except DatabaseError:  # the database cache, with the database down
        return None
    return version


def content_changed(**_signal_kwargs):
    """Public output changed: every app server drops its cached pages and clinic details."""
    cache.delete(CLINIC_KEY)
    cache.add(VERSION_KEY, 1, None)
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(VERSION_KEY, int(time.time()), None)


def public_row_changed(using=None, **_signal_kwargs):
    """A row of PUBLIC_MODELS was saved or deleted: drop cached pages now, and again once the
    change is committed (a request in between could store the old page under the new version)."""
    content_changed()
    transaction.on_commit(content_changed, using=using)


def watch_public_models():
    """Call public_row_changed whenever a row of PUBLIC_MODELS is saved or deleted (at start-up).

    Bulk updates send no signals: code that uses them calls content_changed itself.
    """
    for label in PUBLIC_MODELS:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(public_row_changed, sender=model, dispatch_uid=f"pagecache-{label}")


def not_modified(environ, etag, modified):
    """RFC 9110 section 13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
    if "HTTP_IF_NONE_MATCH" in environ:
        return etag in environ["HTTP_IF_NONE_MATCH"]
    since = parse_http_date_safe(environ.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and modified <= since


class PageCache:
    def __init__(self, app):
        self.app = app
        self.local = OrderedDict()
        self.version = None
        self.version_checked = 0.0
        self.cache_was_down = False
        self.skip_segments = site_segments()

    def __call__(self, environ, start_response):
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        entry = self.lookup(key)
        if entry is None:
            return self.fill(key, environ, start_response)
        return self.serve(entry, environ, start_response)

    def key(self, environ):
        path = environ.get("PATH_INFO", "")
        if (
            environ["REQUEST_METHOD"] not in ("GET", "HEAD")
            or environ.get("QUERY_STRING")
            or path[1:].split("/", 1)[0] in self.skip_segments
            or settings.SESSION_COOKIE_NAME + "=" in environ.get("HTTP_COOKIE", "")
        ):
            return None
        version = self.current_version()
        if version is None:  # the cache is down: Django answers every request
            return None
        scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ["wsgi.url_scheme"]
        where = f"{scheme}://{environ.get('HTTP_HOST', '')}{path}"
        digest = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()
        return f"pagecache:{ENTRY_FORMAT}:{version}:{digest}"

    def current_version(self):
        now = time.monotonic()
        if now - self.version_checked > VERSION_CHECK_SECONDS:
            version = content_version()
            if version is not None and self.cache_was_down:
                # Saves made while the cache was unreachable could not bump the version.
                content_changed()
                version = content_version()
            self.cache_was_down = version is None
            if version != self.version:
                self.local.clear()
            self.version, self.version_checked = version, now
        return self.version

    def lookup(self, key):
        entry = self.local.get(key)
        if entry is None:
            try:
                entry = cache.get(key)
            except DatabaseError:
                return None
            if entry is not None:
                self.remember(key, entry)
        return entry

    def remember(self, key, entry):
        self.local[key] = entry
        while len(self.local) > LOCAL_ENTRIES:
            self.local.popitem(last=False)

    def fill(self, key, environ, start_response):
        # Ask Django for the plain page; encodings and 304s are handled here.
        plain = {
            k: v
            for k, v in environ.items()
            if k not in ("HTTP_ACCEPT_ENCODING", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
        }
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else (lambda _: None)

        result = self.app(plain, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured["status"], captured["headers"]
        names = {name.lower() for name, _ in headers}
        if status.startswith("200") and PUBLIC_MARK.lower() in names and "set-cookie" not in names:
            entry = self.make_entry(headers, body)
            with contextlib.suppress(DatabaseError):  # else kept in this process only
                cache.set(key, entry, STORE_SECONDS)
            self.remember(key, entry)
            return self.serve(entry, environ, start_response)
        headers = [(n, v) for n, v in headers if n.lower() != PUBLIC_MARK.lower()]
        start_response(status, headers)
        return [body] if environ["REQUEST_METHOD"] != "HEAD" else []

    @staticmethod
    def make_entry(headers, body):
        skip = {PUBLIC_MARK.lower(), "content-length", "etag", "vary", "content-encoding"}
        return {
            "headers": [(n, v) for n, v in headers if n.lower() not in skip],
            "etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            # When this version of the page was made: any change after it makes a new entry.
            "modified": int(time.time()),
            "identity": body,
            "gzip": gzip.compress(body, 6),
            "br": brotli.compress(body, quality=9),
        }

    @staticmethod
    def serve(entry, environ, start_response):
        accepted = environ.get("HTTP_ACCEPT_ENCODING", "")
        encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else "identity"
        etag = entry["etag"] if encoding == "identity" else f'{entry["etag"][:-1]}-{encoding}"'
        headers = [
            *entry["headers"],
            ("ETag", etag),
            ("Last-Modified", http_date(entry["modified"])),
            ("Vary", "Accept-Encoding, Cookie"),
        ]
        if not_modified(environ, etag, entry["modified"]):
            start_response("304 Not Modified", headers)
            return []
        body = entry[encoding]
        if encoding != "identity":
            headers.append(("Content-Encoding", encoding))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [body] if environ["REQUEST_METHOD"] != "HEAD" else []

"""Pages for when the database is down: a 503 that still tells patients how to reach the clinic.

``DatabaseOutageMiddleware`` turns a lost database connection (OperationalError or
InterfaceError) raised while a view or its template runs into the 503 page; ``server_error``
(handler500) does the same for one raised elsewhere, and renders the 500 page for anything else.
Neither page needs the database: the clinic's details come from the copy on disk
(pit_site.clinic.contact_copy), rendered without context processors. Nothing here is cached:
the page cache stores only 200s that a page view marked public. Django reconnects on the next
request, so the site recovers on its own when the database is back.
"""

import logging
import sys
import threading
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from pit_site.clinic import contact_copy

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER = 30  # seconds, a hint for clients and proxies
LOG_SECONDS = 60.0  # log an ongoing outage at most this often (per process)
_log_lock = threading.Lock()
_logged_at = None
_unlogged = 0


def _log_outage(error):
    """A warning for the first failure, then at most one every LOG_SECONDS with a count."""
    global _logged_at, _unlogged
    now = time.monotonic()
    with _log_lock:
        due = _logged_at is None or now - _logged_at >= LOG_SECONDS
        skipped = _unlogged
        _logged_at, _unlogged = (now, 0) if due else (_logged_at, _unlogged + 1)
    if due:
        logger.warning(
            "Database unavailable (%s: %s); answering 503 (%d more since the last message, "
            "logged at most every %.0f s)",
            error.__class__.__name__, str(error).strip()[:200], skipped, LOG_SECONDS,
        )  # fmt: skip


def _page(template, request, status):
    context = {
        "contact": contact_copy.read(),
        # A form (the contact form, or a staff form) was sent and has not been kept.
        "not_sent": request is not None and request.method == "POST",
    }
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = "no-store"
    return response


def unavailable(request):
    response = _page("503.html", request, 503)
    response["Retry-After"] = str(RETRY_AFTER)
    # The outage is logged once a minute (_log_outage), not as one error per request by
    # django.request, which skips a response marked like this.
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            _log_outage(exception)
            return unavailable(request)
        return None


def server_error(request):
    """handler500: the 503 page when the error is a lost database, else the 500 page."""
    if isinstance(sys.exception(), DATABASE_DOWN):
        return unavailable(request)
    return _page("500.html", request, 500)

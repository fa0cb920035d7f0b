"""Fifty patients press "Send" at the same moment: every enquiry is stored, once, and answered.

The real stack (migrate, load_content, the Procfile's server with 4 workers, DEBUG off, rate limit
off) runs in subprocesses on a throw-away SQLite file and, when PostgreSQL answers on
127.0.0.1:5432, on a fresh temporary PostgreSQL database (dropped afterwards). The harness
is scripts/measure_enquiry_concurrency.py (built on scripts/livesite.py), which prints the
same measurement as a table.

These tests never use pytest-django's database: they request no db fixture, and read the
site's own database directly.
"""

import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from pit_site.enquiries.views import REFERENCE_SALT
from scripts import measure_enquiry_concurrency as harness

N = 50
REFERENCE_RE = re.compile(r"^PIT-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}$")
BACKENDS = ["sqlite", "postgresql"]


def _start(backend, tmp):
    manager = harness.running_site(backend, Path(tmp) / backend)
    return manager, manager.__enter__()


@pytest.fixture(scope="module")
def sites():
    """{backend: Site}, set up side by side (migrating takes most of the time)."""
    wanted = [b for b in BACKENDS if b != "postgresql" or harness.postgres_available()]
    with (
        tempfile.TemporaryDirectory(prefix="pit-concurrency-") as tmp,
        ExitStack() as stack,
        ThreadPoolExecutor(max_workers=len(wanted)) as pool,
    ):
        futures = {backend: pool.submit(_start, backend, tmp) for backend in wanted}
        started, failures = {}, []
        for backend, future in futures.items():
            try:
                manager, site = future.result(timeout=harness.START_SECONDS)
            except Exception as error:
                failures.append(f"{backend}: {error}")
                continue
            stack.push(manager)  # stopped, and a PostgreSQL database dropped, on leaving
            started[backend] = site
        if failures:
            pytest.fail("could not start the site:\n" + "\n".join(failures), pytrace=False)
        yield started


@pytest.mark.parametrize("backend", BACKENDS)
def test_simultaneous_enquiries_are_all_stored_once(backend, sites):
    if backend not in sites:
        pytest.skip(f"PostgreSQL does not answer on {harness.PG_HOST}:{harness.PG_PORT}")
    site = sites[backend]

    burst = harness.send_burst(site.base_url, N)
    site.stop()

    assert burst.exceptions == []
    assert burst.successes == N, f"not all answered 302 to /contact/sent/: {burst.failures()}"
    log = site.log
    assert "Traceback" not in log, f"the server logged an exception:\n{log}"

    rows = site.enquiries()
    references = [reference for reference, _spam in rows]
    assert len(rows) == N
    assert len(set(references)) == N, "two enquiries share a reference"
    assert all(REFERENCE_RE.match(reference) for reference in references), references
    assert [spam for _reference, spam in rows if spam] == [], "flagged as suspected spam"

    # Each patient was shown their own enquiry's reference.
    key = site.env["DJANGO_SECRET_KEY"]
    shown = {
        signing.loads(
            parse_qs(urlsplit(location).query)["ref"][0],
            key=key,
            salt=REFERENCE_SALT,
            fallback_keys=[],
        )
        for _status, location in burst.answers
    }
    assert shown == set(references)

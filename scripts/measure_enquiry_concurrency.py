#!/usr/bin/env python
"""Send many contact-form enquiries at the same moment to the real server, and count the damage.

For each backend the script builds the real stack with scripts/livesite.py (migrate,
load_content, the Procfile's web: line with 4 workers, DEBUG off) on a throw-away database,
with ENQUIRY_RATE_LIMIT=off. N clients each GET /contact/ with their own cookie jar, wait
until the form is old enough not to look like a bot (3.2 s), then all POST at once. It then
reads the database directly and prints one row per backend:

    sqlite        the site's settings: WAL journal, IMMEDIATE transactions, 20 s busy timeout
    sqlite-plain  SQLite's own defaults (rollback journal, DEFERRED, 5 s), for comparison;
                  settings.py always sets WAL/IMMEDIATE, so this row empties
                  DATABASES["default"]["OPTIONS"] at run time in the site's own processes
                  (`python -c` wrappers around the setup commands and granian), not in the file
    postgresql    a fresh pit_concurrency_<random> database on 127.0.0.1:5432 (user
                  postgres), dropped afterwards; skipped when nothing answers there

Usage (from the project root):

    .venv/bin/python -m scripts.measure_enquiry_concurrency -n 50 200
    .venv/bin/python -m scripts.measure_enquiry_concurrency -n 50 --backend sqlite postgresql

tests/enquiries/test_concurrency.py imports this module for the same harness.
"""

import argparse
import contextlib
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from scripts.livesite import (
    PG_HOST,
    PG_PORT,
    StackError,
    cookie_opener,
    form_inputs,
    postgres_available,
    prepare,
    serving_web,
    site_env,
    temporary_postgres_database,
)

BACKENDS = {
    "sqlite": "SQLite WAL+IMMEDIATE",
    "sqlite-plain": "SQLite default (rollback, DEFERRED)",
    "postgresql": "PostgreSQL",
}
WORKERS = 4
MIN_SECONDS = 3  # ENQUIRY_MIN_SECONDS given to the site
FORM_AGE = 3.2  # how long the clients wait after the GETs before posting
START_SECONDS = 400  # at most, for migrate + load_content + the server (for the tests' timeout)
GET_TIMEOUT = 20
POST_TIMEOUT = 60
BARRIER_TIMEOUT = 30
SENT_PATH = "/contact/sent/"

# Run before Django loads anything in the "sqlite-plain" processes: back to SQLite's defaults.
# granian imports the site in each worker after the fork, so the workers inherit these
# already-loaded, already-changed settings.
PLAIN_SQLITE_PREAMBLE = (
    "import sys\nfrom django.conf import settings\nsettings.DATABASES['default']['OPTIONS'] = {}\n"
)
# The Procfile's server (granian) run by Python, after a preamble (granian forks its workers).
RUN_GRANIAN = "import sys\nfrom granian.cli import cli\nsys.argv[0] = 'granian'\ncli()\n"


# --- The site: database, set-up, server ------------------------------------------------------


@dataclass
class Site:
    backend: str
    database_url: str
    server: object  # a livesite.Server
    env: dict  # the site's environment (its DJANGO_SECRET_KEY signs the sent/ links)

    @property
    def base_url(self):
        return self.server.base_url

    def stop(self):
        """Stop the server (the database stays until running_site ends)."""
        self.server.stop()

    @property
    def log(self):
        return self.server.log_text()

    def enquiries(self):
        """[(reference, suspected_spam)] of every stored enquiry, read straight from the DB."""
        return self.rows("SELECT reference, suspected_spam FROM enquiries_enquiry")

    def rows(self, query, params=()):
        """The rows of a read-only query (parameters written %s), straight from the DB."""
        if self.backend.startswith("sqlite"):
            path = self.database_url.removeprefix("sqlite:///")
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
            try:
                return connection.execute(query.replace("%s", "?"), params).fetchall()
            finally:
                connection.close()
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=5) as connection:
            return connection.execute(query, params).fetchall()

    def journal_mode(self):
        if not self.backend.startswith("sqlite"):
            return None
        path = self.database_url.removeprefix("sqlite:///")
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
        try:
            return connection.execute("PRAGMA journal_mode").fetchone()[0]
        finally:
            connection.close()


@contextlib.contextmanager
def running_site(backend, tmp, server_preamble="", **settings):
    """Migrate a throw-away database, load the content and serve it; yields a Site.

    Call site.stop() before reading site.log and site.enquiries(); a PostgreSQL database is
    dropped on leaving. server_preamble is Python run in the server's main process before the site
    loads (for instrumenting it); settings are extra environment variables.
    """
    if backend not in BACKENDS:
        raise StackError(f"unknown backend {backend!r}")
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if backend == "postgresql":
            database_url = stack.enter_context(temporary_postgres_database("pit_concurrency"))
        else:
            database_url = f"sqlite:///{tmp / f'{backend}.sqlite3'}"
        plain = backend == "sqlite-plain"
        env = site_env(
            database_url,
            tmp,
            **{
                "ENQUIRY_RATE_LIMIT": "off",
                "ENQUIRY_STORE_LIMIT": "off",  # every client posts from 127.0.0.1
                "ENQUIRY_MIN_SECONDS": str(MIN_SECONDS),
                **settings,
            },
        )
        prepare(env, PLAIN_SQLITE_PREAMBLE if plain else "")
        preamble = (PLAIN_SQLITE_PREAMBLE if plain else "") + server_preamble
        server = stack.enter_context(
            serving_web(
                env,
                tmp / f"web-{backend}.stderr",
                name=f"web ({backend})",
                program=[sys.executable, "-c", preamble + RUN_GRANIAN] if preamble else None,
                WEB_CONCURRENCY=str(WORKERS),
            )
        )
        yield Site(backend, database_url, server, env)


# --- The clients -----------------------------------------------------------------------------


class Client:
    """One visitor: its own cookie jar, no redirects followed."""

    def __init__(self, base_url, number):
        self.base_url = base_url
        self.number = number
        self.opener, _jar = cookie_opener()
        self.csrf = self.shown = None

    def fetch_form(self):
        values = form_inputs(self.opener, f"{self.base_url}/contact/", timeout=GET_TIMEOUT)
        self.csrf = values.get("csrfmiddlewaretoken")
        self.shown = values.get("shown")
        if not self.csrf or not self.shown:
            raise StackError("the contact form has no csrfmiddlewaretoken or shown field")

    def submit(self):
        """(status, Location header) of the POST; HTTP errors are answers too."""
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.csrf,
                "shown": self.shown,
                "name": f"Concurrent Patient {self.number}",
                "email": f"patient{self.number}@example.com",
                "phone": "",
                "preferred_contact": "either",
                "kind": "question",
                "condition": "",
                "preferred_times": "Weekday mornings",
                "message": f"Enquiry {self.number} of a burst sent at the same moment.",
                "consent": "on",
                "website": "",
            }
        ).encode()
        try:
            with self.opener.open(
                f"{self.base_url}/contact/", data=data, timeout=POST_TIMEOUT
            ) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers.get("Location", "")


@dataclass
class Burst:
    n: int
    answers: list = field(default_factory=list)  # (status, location) per client, or None
    exceptions: list = field(default_factory=list)  # repr of what a client raised
    wall: float = 0.0  # seconds from the common start to the last answer

    @property
    def successes(self):
        return sum(1 for a in self.answers if a and a[0] == 302 and a[1].startswith(SENT_PATH))

    @property
    def errors(self):
        return self.n - self.successes

    def failures(self):
        """What went wrong, for an assertion message."""
        bad = [a for a in self.answers if a and not (a[0] == 302 and a[1].startswith(SENT_PATH))]
        return bad + self.exceptions


def send_burst(base_url, n):
    """n clients GET the form, wait FORM_AGE s, then all POST at the same moment."""
    clients = [Client(base_url, number) for number in range(1, n + 1)]
    with ThreadPoolExecutor(max_workers=min(n, 16)) as pool:
        list(pool.map(Client.fetch_form, clients))  # re-raises the first failure
    ready_at = time.monotonic() + FORM_AGE  # measured from the end of the last GET

    burst = Burst(n, answers=[None] * n)
    started = []
    finished = [0.0] * n
    lock = threading.Lock()

    def go():
        time.sleep(max(0.0, ready_at - time.monotonic()))
        started.append(time.perf_counter())

    barrier = threading.Barrier(n, action=go, timeout=BARRIER_TIMEOUT)

    def post(index, client):
        try:
            barrier.wait()
            burst.answers[index] = client.submit()
        except Exception as error:  # any failure is counted, never lost in a thread
            with lock:
                burst.exceptions.append(f"client {client.number}: {error!r}")
        finally:
            finished[index] = time.perf_counter()

    threads = [
        threading.Thread(target=post, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + FORM_AGE + BARRIER_TIMEOUT + POST_TIMEOUT + 5
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        burst.exceptions.append(f"{stuck} client(s) still waiting at the deadline")
    if started:
        burst.wall = max(finished) - started[0]
    return burst


# --- The measurement -------------------------------------------------------------------------


@dataclass
class Row:
    backend: str
    n: int
    successes: int
    errors: int
    stored: int
    distinct: int
    tracebacks: int
    wall: float
    journal: str | None


def measure(backend, n):
    with (
        tempfile.TemporaryDirectory(prefix="pit-concurrency-") as tmp,
        running_site(backend, tmp) as site,
    ):
        burst = send_burst(site.base_url, n)
        site.stop()
        rows = site.enquiries()
        return Row(
            backend=BACKENDS[backend],
            n=n,
            successes=burst.successes,
            errors=burst.errors,
            stored=len(rows),
            distinct=len({reference for reference, _ in rows}),
            tracebacks=site.log.count("Traceback"),
            wall=burst.wall,
            journal=site.journal_mode(),
        )


def print_table(rows):
    header = (
        "backend",
        "N",
        "ok (302)",
        "errors",
        "stored",
        "distinct refs",
        "tracebacks",
        "wall s",
    )
    lines = [
        (r.backend, r.n, r.successes, r.errors, r.stored, r.distinct, r.tracebacks, f"{r.wall:.2f}")
        for r in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    for line in [header, *lines]:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))
        if line is header:
            print("-+-".join("-" * width for width in widths))
    journals = {r.backend: r.journal for r in rows if r.journal}
    for backend, journal in journals.items():
        print(f"{backend}: the database file's journal_mode after the run was {journal!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, nargs="+", default=[50, 200], help="submissions per burst")
    parser.add_argument("--backend", nargs="+", choices=list(BACKENDS), default=list(BACKENDS))
    args = parser.parse_args(argv)
    if any(n < 1 or n > 1000 for n in args.n):
        parser.error("-n must be between 1 and 1000")
    rows = []
    for backend in args.backend:
        if backend == "postgresql" and not postgres_available():
            print(f"skipped {backend}: nothing answers on {PG_HOST}:{PG_PORT}", file=sys.stderr)
            continue
        for n in args.n:
            print(f"{BACKENDS[backend]}, N={n}...", file=sys.stderr, flush=True)
            rows.append(measure(backend, n))
    print_table(rows)


if __name__ == "__main__":
    main()

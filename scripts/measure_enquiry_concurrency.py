#!/usr/bin/env python
"""Send many contact-form enquiries at the same moment to a real gunicorn, and count the damage.

For each backend the script builds the real stack the way tests/browser/conftest.py does
(migrate, load_content, gunicorn with 4 sync workers, DEBUG off) on a throw-away database,
with ENQUIRY_RATE_LIMIT=off. N clients each GET /contact/ with their own cookie jar, wait
until the form is old enough not to look like a bot (3.2 s), then all POST at once. It then
reads the database directly and prints one row per backend:

    sqlite        the site's settings: WAL journal, IMMEDIATE transactions, 20 s busy timeout
    sqlite-plain  SQLite's own defaults (rollback journal, DEFERRED, 5 s), for comparison;
                  settings.py always sets WAL/IMMEDIATE, so this row empties
                  DATABASES["default"]["OPTIONS"] at run time in the site's own processes
                  (`python -c` wrappers around the setup commands and gunicorn), not in the file
    postgresql    a fresh pit_concurrency_<random> database on 127.0.0.1:5432 (user
                  postgres), dropped afterwards; skipped when nothing answers there

Usage (from the project root):

    DJANGO_SECRET_KEY="$(cat .secret_key)" .venv/bin/python \\
        scripts/measure_enquiry_concurrency.py -n 50 200 [--backend sqlite postgresql]

tests/enquiries/test_concurrency.py imports this file for the same harness.
"""

import argparse
import contextlib
import html.parser
import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = {
    "sqlite": "SQLite WAL+IMMEDIATE",
    "sqlite-plain": "SQLite default (rollback, DEFERRED)",
    "postgresql": "PostgreSQL",
}
WORKERS = 4
MIN_SECONDS = 3  # ENQUIRY_MIN_SECONDS given to the site
FORM_AGE = 3.2  # how long the clients wait after the GETs before posting
START_TIMEOUT = 30  # seconds for gunicorn to answer
COMMAND_TIMEOUT = 120  # seconds for migrate + load_content
GET_TIMEOUT = 20
POST_TIMEOUT = 60
BARRIER_TIMEOUT = 30
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
SENT_PATH = "/contact/sent/"
LISTENING_RE = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")

# Run before Django loads anything in the "sqlite-plain" processes: back to SQLite's defaults.
# gunicorn (without --preload) imports the site in each worker after the fork, so the workers
# inherit these already-loaded, already-changed settings.
PLAIN_SQLITE_PREAMBLE = (
    "import sys\nfrom django.conf import settings\nsettings.DATABASES['default']['OPTIONS'] = {}\n"
)
# migrate, load_content and (if needed) collectstatic in one process: one Django start-up.
PREPARE = (
    "import sys\n"
    "import django\n"
    "from django.core.management import call_command\n"
    "django.setup()\n"
    "call_command('migrate', interactive=False, verbosity=0)\n"
    "call_command('load_content')\n"
    "if sys.argv[1:] == ['collectstatic']:\n"
    "    call_command('collectstatic', interactive=False, verbosity=0)\n"
)
PLAIN_GUNICORN = PLAIN_SQLITE_PREAMBLE + (
    "from gunicorn.app.wsgiapp import run\nsys.argv[0] = 'gunicorn'\nsys.exit(run())\n"
)


class HarnessError(Exception):
    """The stack could not be set up or measured (not a finding about the site)."""


# --- The site: database, set-up, gunicorn ---------------------------------------------------


def postgres_available():
    """True when something answers on PostgreSQL's port."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def temporary_postgres_database():
    """A fresh empty database's DATABASE_URL; the database is dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"pit_concurrency_{secrets.token_hex(6)}"
    admin = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres connect_timeout=5"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def site_env(database_url, tmp):
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="pit_site.settings",
        DJANGO_SECRET_KEY=key if len(key) >= 50 else secrets.token_urlsafe(64),
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_MEDIA_ROOT=str(Path(tmp) / "media"),
        DATABASE_URL=database_url,
        ENQUIRY_RATE_LIMIT="off",
        ENQUIRY_MIN_SECONDS=str(MIN_SECONDS),
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare_database(env, plain=False):
    """migrate, load_content, and collectstatic when the collected files are stale."""
    code = (PLAIN_SQLITE_PREAMBLE if plain else "") + PREPARE
    args = ["collectstatic"] if _static_is_stale() else []  # DEBUG off: pages need the manifest
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(
            f"migrate/load_content failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def _static_is_stale():
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    collected = manifest.stat().st_mtime
    return any(f.stat().st_mtime > collected for f in (ROOT / "static").rglob("*") if f.is_file())


def _gunicorn():
    for candidate in (
        ROOT / ".venv" / "bin" / "gunicorn",
        Path(sys.executable).parent / "gunicorn",
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gunicorn")
    if not found:
        raise HarnessError("gunicorn is not installed")
    return found


@dataclass
class Site:
    backend: str
    database_url: str
    base_url: str
    stderr_path: Path
    server: subprocess.Popen
    env: dict  # the site's environment (its DJANGO_SECRET_KEY signs the sent/ links)

    def stop(self):
        """Stop gunicorn (the database stays until running_site ends)."""
        if self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    @property
    def log(self):
        return self.stderr_path.read_text(errors="replace")

    def enquiries(self):
        """[(reference, suspected_spam)] of every stored enquiry, read straight from the DB."""
        query = "SELECT reference, suspected_spam FROM enquiries_enquiry"
        if self.backend.startswith("sqlite"):
            path = self.database_url.removeprefix("sqlite:///")
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
            try:
                return connection.execute(query).fetchall()
            finally:
                connection.close()
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=5) as connection:
            return connection.execute(query).fetchall()

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
def running_site(backend, tmp):
    """Migrate a throw-away database, load the content and serve it; yields a Site.

    Call site.stop() before reading site.log and site.enquiries(); a PostgreSQL database is
    dropped on leaving.
    """
    if backend not in BACKENDS:
        raise HarnessError(f"unknown backend {backend!r}")
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if backend == "postgresql":
            database_url = stack.enter_context(temporary_postgres_database())
        else:
            database_url = f"sqlite:///{tmp / f'{backend}.sqlite3'}"
        plain = backend == "sqlite-plain"
        env = site_env(database_url, tmp)
        prepare_database(env, plain)
        stderr_path = tmp / f"gunicorn-{backend}.stderr"
        program = [sys.executable, "-c", PLAIN_GUNICORN] if plain else [_gunicorn()]
        with open(stderr_path, "w") as stderr:
            server = subprocess.Popen(  # noqa: S603
                [
                    *program,
                    "pit_site.wsgi",
                    "--bind",
                    "127.0.0.1:0",  # the OS picks a free port; gunicorn logs which
                    "--workers",
                    str(WORKERS),
                    "--worker-class",
                    "sync",
                    "--no-control-socket",
                    "--graceful-timeout",
                    "5",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        site = Site(backend, database_url, "", stderr_path, server, env)
        try:
            site.base_url = _wait_until_serving(server, stderr_path)
            yield site
        finally:
            site.stop()


def _wait_until_serving(server, stderr_path):
    deadline = time.monotonic() + START_TIMEOUT
    base = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise HarnessError(
                f"gunicorn exited with {server.returncode}:\n{stderr_path.read_text()}"
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
    raise HarnessError(
        f"gunicorn did not answer within {START_TIMEOUT}s:\n{stderr_path.read_text()}"
    )


# --- The clients -----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is what we check


class _Inputs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values.setdefault(attrs["name"], attrs.get("value") or "")


class Client:
    """One visitor: its own cookie jar, no redirects followed."""

    def __init__(self, base_url, number):
        self.base_url = base_url
        self.number = number
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        self.csrf = self.shown = None

    def fetch_form(self):
        with self.opener.open(f"{self.base_url}/contact/", timeout=GET_TIMEOUT) as response:
            if response.status != 200:
                raise HarnessError(f"GET /contact/ answered {response.status}")
            parser = _Inputs()
            parser.feed(response.read().decode())
        self.csrf = parser.values.get("csrfmiddlewaretoken")
        self.shown = parser.values.get("shown")
        if not self.csrf or not self.shown:
            raise HarnessError("the contact form has no csrfmiddlewaretoken or shown field")

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

"""The real stack in subprocesses, for the browser tests and the measurement scripts.

One place knows how to run this site the way production does, on a throw-away database:
the environment (DEBUG off, no Redis unless asked for), migrate + load_content (+ collectstatic
when the collected files are older than static/) in one Django start-up, gunicorn on a port the
OS picks, waiting until it answers, and stopping it. tests/browser/conftest.py,
tests/enquiries/test_concurrency.py (through measure_enquiry_concurrency), bench.py and
lighthouse.py all start their servers with it. Failures raise StackError with the server's log.

It also has the small HTTP client pieces they share: a cookie-keeping opener that does not
follow redirects, and a form's <input> values; and a throw-away PostgreSQL database on the
machine's server (tests/test_faults.py, measure_faults.py, measure_enquiry_concurrency.py).
"""

import contextlib
import html.parser
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"  # the machine's PostgreSQL
START_TIMEOUT = 30  # seconds for a server to answer
COMMAND_TIMEOUT = 300  # seconds for migrate + load_content (+ collectstatic)
LISTENING_RE = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
GUNICORN_CONFIG = ROOT / "pit_site" / "gunicorn.conf.py"

# migrate, load_content and (when asked) collectstatic in one process: one Django start-up.
# `preamble` (see prepare) runs first, before Django loads anything.
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


class StackError(Exception):
    """The stack could not be set up or did not start (not a finding about the site)."""


def site_env(database_url, tmp, **settings):
    """The site's environment: production settings over plain http on loopback.

    The caller's DJANGO_SECRET_KEY is kept when it is a real one; REDIS_URL and DATABASE_URL
    never leak in from the caller. Keyword arguments add or override variables.
    """
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="pit_site.settings",
        DJANGO_SECRET_KEY=key if len(key) >= 50 else secrets.token_urlsafe(64),
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_MEDIA_ROOT=str(Path(tmp) / "media"),  # uploads stay out of the project
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def static_is_stale():
    """True when static/ has changed since the last collectstatic (or it never ran)."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    collected = manifest.stat().st_mtime
    return any(f.stat().st_mtime > collected for f in (ROOT / "static").rglob("*") if f.is_file())


def python(args, env, what, stdin=None, timeout=COMMAND_TIMEOUT):
    """Run `python ARGS` in the project root; raise StackError with its output if it fails."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def manage(args, env, stdin=None):
    return python(["manage.py", *args], env, f"manage.py {' '.join(args)}", stdin)


def prepare(env, preamble=""):
    """migrate and load_content, plus collectstatic when stale (DEBUG off needs the manifest)."""
    args = ["collectstatic"] if static_is_stale() else []
    python(["-c", preamble + PREPARE, *args], env, "migrate/load_content")


def gunicorn():
    """The gunicorn beside this Python, else the project's .venv, else on PATH."""
    for candidate in (
        Path(sys.executable).parent / "gunicorn",
        ROOT / ".venv" / "bin" / "gunicorn",
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gunicorn")
    if not found:
        raise StackError("gunicorn is not installed (make setup)")
    return found


def postgres_available():
    """True when something answers on PostgreSQL's port."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def temporary_postgres_database(prefix):
    """A fresh empty database, PREFIX_<random>; yields its DATABASE_URL, drops it afterwards."""
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{secrets.token_hex(6)}"
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


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path  # its standard error
    base_url: str = ""

    def stop(self):
        """Stop it (gunicorn on SIGTERM, nginx on SIGINT: both shut down quickly)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT if self.name == "nginx" else signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_until_serving(self, path="/", port=None, timeout=START_TIMEOUT):
        """Wait until path answers 200; without port, read it from gunicorn's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_text()}"
                )
            if port is None:
                match = LISTENING_RE.search(self.log_text())
                port = int(match.group(1)) if match else None
            if port is not None:
                self.base_url = f"http://{HOST}:{port}"
                try:
                    with urllib.request.urlopen(self.base_url + path, timeout=2) as response:  # noqa: S310
                        if response.status == 200:
                            return self
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.2)
        self.stop()
        raise StackError(f"{self.name} did not answer within {timeout} s:\n{self.log_text()}")


def start(name, command, env, log, stdout=None, cwd=ROOT):
    """Start a server process (its own session, so Ctrl+C in a terminal reaches only us)."""
    with open(log, "w") as errors, open(stdout or os.devnull, "w") as out:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=cwd, env=env, stdout=out, stderr=errors, start_new_session=True
        )
    return Server(name, process, Path(log))


def gunicorn_command(*options, port=0, program=None):
    """gunicorn with the project's config file, on loopback; port 0 lets the OS pick one
    (Server.wait_until_serving reads it back from the log).

    Options given here override the config file's. With "--worker-class sync" also pass
    "--threads 1": gunicorn turns sync into gthread when threads > 1, as the config sets.
    """
    return [
        *(program or [gunicorn()]),
        "-c",
        str(GUNICORN_CONFIG),
        "pit_site.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--no-control-socket",
        *options,
    ]


@contextlib.contextmanager
def serving(name, command, env, log, stdout=None, path="/"):
    """Start a server, wait until path answers, yield the Server and stop it on leaving."""
    server = start(name, command, env, log, stdout)
    try:
        server.wait_until_serving(path)
        yield server
    finally:
        server.stop()


# --- HTTP clients ----------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is what the callers check


def cookie_opener():
    """(opener, cookie jar): a visitor that keeps its cookies and does not follow redirects."""
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect), jar


class _Inputs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values.setdefault(attrs["name"], attrs.get("value") or "")


def form_inputs(opener, url, timeout=20):
    """{name: value} of the <input>s on the page at url (the first of each name)."""
    with opener.open(url, timeout=timeout) as response:
        if response.status != 200:
            raise StackError(f"GET {url} answered {response.status}")
        parser = _Inputs()
        parser.feed(response.read().decode())
    return parser.values

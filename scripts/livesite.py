"""The real stack in subprocesses, for the browser tests and the measurement scripts.

One place knows how to run this site the way production does, on a throw-away database:
the environment (DEBUG off, no Redis unless asked for), migrate + load_content (+ collectstatic
when the collected files are older than static/) in one Django start-up, the Procfile's `web:`
command line (the production server, the very line `make run` runs) on a free port, waiting
until it answers, and stopping it. tests/browser/conftest.py, tests/test_slow_clients.py,
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
import secrets
import shlex
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
PROCFILE = ROOT / "Procfile"
PORT_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it

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
    never leak in from the caller, nor anything from the project's .env file. Keyword arguments
    add or override variables.
    """
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="pit_site.settings",
        DJANGO_ENV_FILE=os.devnull,  # the developer's .env stays out of the throw-away stack
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


def procfile_command(kind="web"):
    """The Procfile's command line for kind ("web: ..."), as written there."""
    for line in PROCFILE.read_text().splitlines():
        name, colon, command = line.partition(":")
        if colon and name.strip() == kind and command.strip():
            return command.strip()
    raise StackError(f"{PROCFILE} has no {kind}: line")


def web_command(program=None):
    """The Procfile's web: line, run by /bin/sh as Procfile runners do (exec, so signals reach
    the server). program replaces its first word (e.g. a `python -c` wrapper around granian)."""
    line = procfile_command()
    if program:
        line = shlex.join(program) + " " + line.split(None, 1)[1]
    return ["/bin/sh", "-c", "exec " + line]


def web_env(env, port, **settings):
    """env for web_command on HOST:port, with this Python's bin folder (then .venv's) first on
    PATH so the Procfile finds the installed server. Keyword arguments add variables."""
    folders = [str(Path(sys.executable).parent), str(ROOT / ".venv" / "bin")]
    path = os.pathsep.join([*folders, env.get("PATH", os.defpath)])
    return {**env, "PATH": path, "WEB_HOST": HOST, "PORT": str(port), **settings}


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
        """Stop it (granian or gunicorn on SIGTERM, nginx on SIGINT: all shut down quickly)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT if self.name == "nginx" else signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_until_serving(self, path, port, timeout=START_TIMEOUT):
        """Wait until path answers 200 on HOST:port."""
        self.base_url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_text()}"
                )
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
    """Start a server process (its own session, so Ctrl+C in a terminal reaches only us).

    Its standard error goes to log, and so does its standard output unless stdout names a file
    (granian logs to standard output).
    """
    with open(log, "w") as errors, open(stdout or os.devnull, "w") as out:
        out = out if stdout else errors
        process = subprocess.Popen(  # noqa: S603
            command, cwd=cwd, env=env, stdout=out, stderr=errors, start_new_session=True
        )
    return Server(name, process, Path(log))


def start_web(env, log, stdout=None, path="/", name="web", program=None, **settings):
    """Start the Procfile's web: line on a free port and wait until path answers 200.

    settings are extra environment variables (WEB_CONCURRENCY="4", ...). The port is picked
    first and handed over in PORT; if someone takes it in between, another one is tried.
    """
    attempts = PORT_ATTEMPTS
    while True:
        port = free_port()
        server = start(name, web_command(program), web_env(env, port, **settings), log, stdout)
        try:
            return server.wait_until_serving(path, port=port)
        except StackError:
            attempts -= 1
            if not attempts or "Address already in use" not in server.log_text():
                raise


@contextlib.contextmanager
def serving_web(env, log, stdout=None, path="/", name="web", program=None, **settings):
    """start_web as a context manager: yields the Server and stops it on leaving."""
    server = start_web(env, log, stdout, path, name, program, **settings)
    try:
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

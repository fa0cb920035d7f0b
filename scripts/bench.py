#!/usr/bin/env python
"""Measure the site's speed against a plain Django flatpages site and nginx: `make bench`.

The script starts three servers on loopback, in a temporary folder, and stops them at the end
(also on an error or Ctrl+C):

    PIT site     this project on a throw-away SQLite database (migrate, load_content, and
                 --enquiries enquiries made up for the reception list), served by the
                 Procfile's web: line (the production command, as `make run` runs it) with
                 its defaults (WEB_CONCURRENCY=2 workers), DEBUG off; the shared cache is
                 Redis database 14 when Redis answers on 127.0.0.1:6379 (emptied first), else
                 the database table
    flatpages    scripts/bench_flatpages/: a minimal Django flatpages + whitenoise site (with
                 GZipMiddleware), granian with the same workers and threads; its one page
                 carries the PIT FAQ page's body, so the HTML is the same size
    nginx        the same HTML as a static file, gzip on: the ceiling, twice: served from a
                 ready-made .gz (gzip_static, like the site's page cache) and compressed on
                 every request

Then wrk (-t1 -c32 --latency, "Accept-Encoding: gzip, br") measures each target for --duration
seconds, all targets in turn, --rounds times (interleaved, so a slow moment of the machine
touches every target). The report, Markdown on standard output, has the median of the rounds
with each round's numbers, the PIT workers' memory, and how long the reception list takes with
that many enquiries. Progress goes to standard error.

Needs wrk, nginx and curl (Debian packages); as root, a missing one is installed with apt-get.

Usage (from the project root): make bench [BENCH_ARGS="--duration 5 --rounds 3"]
    or: .venv/bin/python -m scripts.bench [--duration S] [--rounds N] [--enquiries N]
"""

import argparse
import contextlib
import datetime
import gzip
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from scripts.livesite import (
    HOST,
    ROOT,
    StackError,
    cookie_opener,
    form_inputs,
    free_port,
    python,
    serving_web,
    site_env,
    start,
    static_is_stale,
)

SCRIPTS = ROOT / "scripts"
TOOLS = {"wrk": "wrk", "nginx": "nginx", "curl": "curl"}  # command: Debian package
REDIS_PORT = 6379
REDIS_DB = 14
WORKERS = 2  # WEB_CONCURRENCY for the PIT site, as the Procfile's default
THREADS = 8  # the flatpages site's threads per worker, as the Procfile's WEB_THREADS default
PREPARE_TIMEOUT = 600  # migrate + load_content + made-up enquiries
APT_TIMEOUT = 900
ACCEPT_ENCODING = "gzip, br"
WRK_TIMEOUT = 10  # seconds before wrk gives up on an answer (counted as an error)
ERROR_SHARE = 0.01  # more failed requests than this in a run fails the bench
STAFF_USER = "bench-reception"
PUBLISHED = ("PIT /", "PIT /faqs/", "PIT /conditions/knee-pain/")  # judged against the targets
# Its second step: a recovery code made in the throw-away database (one sign-in per run).
STAFF_RECOVERY_CODE = "benchcode"
# Each wrk run counts the answers with the expected status and the compressed ones.
LUA_COUNT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) expected = tonumber(args[1]); ok = 0; bad = 0; encoded = 0 end
function response(status, headers, body)
  if status == expected then ok = ok + 1 else bad = bad + 1 end
  if headers["Content-Encoding"] or headers["content-encoding"] then encoded = encoded + 1 end
end
function done(summary, latency, requests)
  local o, b, e = 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); b = b + t:get("bad"); e = e + t:get("encoded")
  end
  io.write(string.format("BENCH ok=%d bad=%d encoded=%d\\n", o, b, e))
end
"""


class BenchError(StackError):
    """The bench could not set up or measure something."""


def say(message):
    print(message, file=sys.stderr, flush=True)


# --- Tools -----------------------------------------------------------------------------------


def ensure_tools():
    missing = [name for name in TOOLS if not shutil.which(name)]
    if not missing:
        return
    packages = [TOOLS[name] for name in missing]
    if os.geteuid() != 0:
        raise BenchError(
            f"missing: {', '.join(missing)}. Install them with:\n"
            f"  sudo apt-get update && sudo apt-get install -y {' '.join(packages)}"
        )
    say(f"Installing {' '.join(packages)} with apt-get...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
    ):
        result = subprocess.run(  # noqa: S603
            command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT, check=False
        )
        if result.returncode != 0:
            raise BenchError(f"{shlex.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    still = [name for name in TOOLS if not shutil.which(name)]
    if still:
        raise BenchError(f"still missing after apt-get: {', '.join(still)}")


def redis_answers():
    try:
        with socket.create_connection((HOST, REDIS_PORT), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_flush():
    """Empty the bench's own Redis database (number REDIS_DB)."""
    with socket.create_connection((HOST, REDIS_PORT), timeout=5) as connection:
        connection.sendall(f"SELECT {REDIS_DB}\r\nFLUSHDB\r\n".encode())
        answer = b""
        while answer.count(b"\r\n") < 2:
            chunk = connection.recv(64)
            if not chunk:
                break
            answer += chunk
    if answer != b"+OK\r\n+OK\r\n":
        raise BenchError(f"Redis did not empty database {REDIS_DB}: {answer!r}")


def run_prepare(args, env, what, stdin=""):
    """Run this script's own set-up steps (main's "_prepare-..." commands) in env."""
    return python(["-m", "scripts.bench", *args], env, what, stdin, PREPARE_TIMEOUT)


# --- Servers ---------------------------------------------------------------------------------


def pit_env(tmp, use_redis):
    env = site_env(
        f"sqlite:///{tmp / 'pit.sqlite3'}",
        tmp,
        # wrk posts from one address: the per-address limits would refuse or flag its enquiries.
        ENQUIRY_RATE_LIMIT="off",
        ENQUIRY_STORE_LIMIT="off",
        ENQUIRY_MIN_SECONDS="0",
    )
    if use_redis:
        env["REDIS_URL"] = f"redis://{HOST}:{REDIS_PORT}/{REDIS_DB}"
    return env


def start_pit(stack, tmp, env, enquiries, password):
    say(f"PIT site: migrate, load_content, {enquiries:,} made-up enquiries, a reception user...")
    started = time.monotonic()
    args = ["_prepare-pit", str(enquiries)] + (["--collectstatic"] if static_is_stale() else [])
    run_prepare(args, env, "preparing the PIT site", stdin=password + "\n")
    say(f"  prepared in {time.monotonic() - started:.0f} s; starting the Procfile's web: line")
    # The production command line with its defaults, as `make run` and a deployment run it.
    return stack.enter_context(
        serving_web(env, tmp / "pit.log", name="PIT site", WEB_CONCURRENCY=str(WORKERS))
    )


def start_flatpages(stack, tmp, body_html):
    say("Flatpages site: migrate, one page, starting granian...")
    data = tmp / "flatpages"
    (data / "static").mkdir(parents=True)
    (data / "content.html").write_text(body_html)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench_flatpages.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        BENCH_FLATPAGES_DIR=str(data),
        PYTHONPATH=str(SCRIPTS),
    )
    run_prepare(["_prepare-flatpages", str(data / "content.html")], env, "preparing flatpages")
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "granian"),
        *("--interface", "wsgi", "--host", HOST, "--port", str(port)),
        *("--workers", str(WORKERS), "--blocking-threads", str(THREADS)),
        *("--working-dir", str(SCRIPTS), "bench_flatpages.wsgi:application"),
    ]
    server = start("flatpages granian", command, env, tmp / "flatpages.log")
    stack.callback(server.stop)
    return server.wait_until_serving("/faqs/", port=port)


def start_nginx(stack, tmp, page):
    """nginx with the page twice: /faqs/ beside a ready-made .gz (gzip_static), and /live/faqs/
    compressed per request (plain gzip on, level 1)."""
    say("nginx: starting...")
    base = tmp / "nginx"
    www = base / "www"
    for folder in (www / "faqs", www / "live" / "faqs"):
        folder.mkdir(parents=True)
        (folder / "index.html").write_bytes(page)
    (www / "faqs" / "index.html.gz").write_bytes(gzip.compress(page, 9, mtime=0))
    # nginx started as root runs its workers as "nobody": let them read the files.
    tmp.chmod(0o755)
    for path in (base, *base.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    port = free_port()
    temp_paths = "\n".join(
        f"  {kind}_temp_path {base / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (base / "nginx.conf").write_text(
        f"""worker_processes 1;
daemon off;
pid {base / "nginx.pid"};
error_log {base / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  gzip on;
  gzip_static on;
{temp_paths}
  server {{
    listen {HOST}:{port};
    root {base / "www"};
  }}
}}
"""
    )
    command = [
        "nginx",
        "-p",
        str(base),
        "-c",
        str(base / "nginx.conf"),
        "-e",
        str(base / "error.log"),
    ]
    server = start("nginx", command, os.environ.copy(), base / "stderr.log")
    stack.callback(server.stop)
    return server.wait_until_serving("/faqs/", port=port)


# --- Clients ---------------------------------------------------------------------------------


def fetch(url, accept_encoding="identity"):
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.read()


def contact_form_post(base_url):
    """The body and cookie of a valid contact-form POST (a fresh csrf token and shown value)."""
    opener, jar = cookie_opener()
    values = form_inputs(opener, f"{base_url}/contact/")
    csrf_cookie = next((c.value for c in jar if c.name == "csrftoken"), None)
    if not csrf_cookie or not values.get("csrfmiddlewaretoken") or not values.get("shown"):
        raise BenchError("the contact form has no csrftoken cookie, csrf token or shown value")
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": values["csrfmiddlewaretoken"],
            "shown": values["shown"],
            "name": "Bench Patient",
            "email": "bench.patient@example.com",
            "phone": "",
            "preferred_contact": "either",
            "kind": "question",
            "condition": "",
            "preferred_times": "",
            "message": "Sent by scripts/bench.py.",
            "consent": "on",
            "website": "",
        }
    )
    return body, f"csrftoken={csrf_cookie}"


def lua_script(tmp, name, post=None):
    """A wrk script counting statuses and encodings; for a POST, the method, body and cookie."""
    lines = []
    if post:
        body, cookie = post
        lines += [
            'wrk.method = "POST"',
            f'wrk.body = "{body}"',  # urlencoded: no quotes or backslashes
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
            f'wrk.headers["Cookie"] = "{cookie}"',
        ]
    path = tmp / f"{name}.lua"
    path.write_text("\n".join(lines) + LUA_COUNT)
    return path


def response_size(url, post=None):
    """(bytes of the body as sent, Content-Encoding, status) with curl, as wrk asks."""
    command = [
        "curl",
        "-sS",
        "-o",
        os.devnull,
        "-D",
        "-",
        "-H",
        f"Accept-Encoding: {ACCEPT_ENCODING}",
    ]
    command += ["-w", "BENCH %{http_code} %{size_download}\n"]
    if post:
        body, cookie = post
        command += ["--data-raw", body, "-H", f"Cookie: {cookie}"]
    result = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.search(r"^BENCH (\d+) (\d+)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not match:
        raise BenchError(f"curl {url} failed: {result.stderr}")
    encoding = re.search(r"^content-encoding:\s*(\S+)", result.stdout, re.I | re.MULTILINE)
    return int(match.group(2)), encoding.group(1) if encoding else "identity", int(match.group(1))


# --- wrk -------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    url: str
    lua: Path
    expected: int  # the status every answer should have
    size: int = 0
    encoding: str = ""
    runs: list = field(default_factory=list)  # one WrkRun per round


@dataclass
class WrkRun:
    rps: float
    p50: float  # ms
    p99: float  # ms
    requests: int
    ok: int
    bad: int  # answers with another status
    socket_errors: int
    non_2xx_3xx: int
    encoded: int

    @property
    def failed(self):
        return self.bad + self.socket_errors

    def failed_share(self):
        return self.failed / max(1, self.requests + self.socket_errors)


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise BenchError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output):
    def number(pattern, default=None):
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            if default is None:
                raise BenchError(f"wrk output has no {pattern!r}:\n{output}")
            return default
        return match.groups()

    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE))
    if "50" not in percentiles or "99" not in percentiles:
        raise BenchError(f"wrk printed no latency distribution:\n{output}")
    socket = number(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", ())
    ok, bad, encoded = number(r"^BENCH ok=(\d+) bad=(\d+) encoded=(\d+)$")
    return WrkRun(
        rps=float(number(r"^Requests/sec:\s+([\d.]+)")[0]),
        p50=parse_duration(percentiles["50"]),
        p99=parse_duration(percentiles["99"]),
        requests=int(number(r"^\s+(\d+) requests in")[0]),
        ok=int(ok),
        bad=int(bad),
        socket_errors=sum(int(n) for n in socket),
        non_2xx_3xx=int(number(r"Non-2xx or 3xx responses: (\d+)", ("0",))[0]),
        encoded=int(encoded),
    )


def run_wrk(target, duration, connections, warmup=False):
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        f"--timeout={WRK_TIMEOUT}s",  # wrk's 2 s default would hide slow answers from p99
        "-H",
        f"Accept-Encoding: {ACCEPT_ENCODING}",
        "-s",
        str(target.lua),
        target.url,
        "--",
        str(target.expected),
    ]
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=duration + 30, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {target.url}:\n{result.stdout}\n{result.stderr}")
    run = parse_wrk(result.stdout)
    if run.requests == 0 and not warmup:
        raise BenchError(
            f"{target.name}: no request was answered in {duration} s:\n{result.stdout}"
        )
    return run


# --- Memory, the reception list --------------------------------------------------------------


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def load_average():
    return os.getloadavg()[0]


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def process_age(pid):
    """Seconds since the process started."""
    ticks = os.sysconf("SC_CLK_TCK")
    start_ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - start_ticks / ticks


def sign_in(base_url, password):
    opener, _ = cookie_opener()
    values = form_inputs(opener, f"{base_url}/admin/login/")
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": values.get("csrfmiddlewaretoken", ""),
            "username": STAFF_USER,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{base_url}/admin/login/", data=data, headers={"Referer": f"{base_url}/admin/login/"}
    )
    try:
        response = opener.open(request, timeout=20)
        status, location = response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    if status != 302 or not location.endswith("/admin/"):
        raise BenchError(f"signing in as {STAFF_USER} answered {status} {location!r}")
    second_step = f"{base_url}/admin/security/second-step/"
    values = form_inputs(opener, second_step)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": values.get("csrfmiddlewaretoken", ""),
         "code": STAFF_RECOVERY_CODE, "next": "/admin/"}
    ).encode()  # fmt: skip
    request = urllib.request.Request(second_step, data=data, headers={"Referer": second_step})  # noqa: S310
    try:
        status = opener.open(request, timeout=20).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 302:
        raise BenchError(f"the second step for {STAFF_USER} answered {status}")
    return opener


def time_admin(opener, url, repeats=5):
    """(median, min, max) seconds of GET url, after one untimed request."""
    times = []
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        with opener.open(url, timeout=60) as response:
            body = response.read()
            if response.status != 200 or b'id="result_list"' not in body:
                raise BenchError(f"GET {url} did not show the enquiry list ({response.status})")
        if attempt:
            times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


def count_enquiries(tmp):
    connection = sqlite3.connect(f"file:{tmp / 'pit.sqlite3'}?mode=ro", uri=True, timeout=20)
    try:
        return connection.execute("SELECT COUNT(*) FROM enquiries_enquiry").fetchone()[0]
    finally:
        connection.close()


# --- Report ----------------------------------------------------------------------------------


def median_of(target, attribute):
    return statistics.median(getattr(run, attribute) for run in target.runs)


def machine():
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    nproc = len(os.sched_getaffinity(0))
    return (
        f"nproc {nproc} ({os.cpu_count()} CPUs), {model or platform.processor() or 'unknown CPU'}"
    )


def git_commit():
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def command_line():
    interpreter = Path(sys.executable)
    with contextlib.suppress(ValueError):
        interpreter = interpreter.relative_to(ROOT)
    command = shlex.join([str(interpreter), "-m", "scripts.bench", *sys.argv[1:]])
    # make sets MAKELEVEL for the commands it runs.
    return f"`make bench` (runs `{command}`)" if "MAKELEVEL" in os.environ else f"`{command}`"


def report(targets, baseline, ceiling, args, facts):
    out = []
    flat, nginx = median_of(baseline, "rps"), median_of(ceiling, "rps")
    out.append(
        "| target | req/s | p50 ms | p99 ms | bytes/response (encoding) | vs flatpages "
        "| vs nginx gzip_static |"
    )
    out.append("|---|---:|---:|---:|---|---:|---:|")
    for t in targets:
        rps = median_of(t, "rps")
        out.append(
            f"| {t.name} | {rps:,.0f} | {median_of(t, 'p50'):.2f} | {median_of(t, 'p99'):.2f} "
            f"| {t.size:,} ({t.encoding}) | {rps / flat:.2f}x | {rps / nginx:.0%} |"
        )
    out.append("")
    out.append(
        f"Median of {args.rounds} interleaved rounds of {args.duration} s per target; "
        f"wrk -t1 -c{args.connections} --latency, Accept-Encoding: {ACCEPT_ENCODING}; "
        f"the PIT site on the Procfile's web: line with {WORKERS} workers. "
        "Each round (req/s, p50 / p99 ms, failed requests):"
    )
    out.append("")
    out.append("| target | " + " | ".join(f"round {i + 1}" for i in range(args.rounds)) + " |")
    out.append("|---|" + "---|" * args.rounds)
    for t in targets:
        cells = [
            f"{r.rps:,.0f}, {r.p50:.2f} / {r.p99:.2f}, {r.failed}"
            + (f" ({r.non_2xx_3xx} non-2xx/3xx)" if r.non_2xx_3xx else "")
            for r in t.runs
        ]
        out.append(f"| {t.name} | " + " | ".join(cells) + " |")
    out.extend(["", *facts, ""])
    out.append(f"- date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    out.append(f"- machine: {machine()}")
    out.append(f"- commit: {git_commit()}")
    out.append(f"- command: {command_line()}")
    print("\n".join(out), flush=True)


def target_verdicts(targets, ceiling):
    """The published pages against the targets: >= 25% of nginx's req/s serving the same page
    pre-compressed, p99 <= 15 ms, compressed. Judged on the medians; rounds counted too, since
    wrk shares the cores with the servers and one round's p99 can be its noise."""
    lines = []
    nginx = median_of(ceiling, "rps")
    for t in targets:
        if t.name not in PUBLISHED:
            continue
        share, p99 = median_of(t, "rps") / nginx, median_of(t, "p99")
        good = share >= 0.25 and p99 <= 15 and t.encoding in ("br", "gzip")
        rounds = sum(
            1 for run, top in zip(t.runs, ceiling.runs, strict=True)
            if run.rps >= 0.25 * top.rps and run.p99 <= 15
        )  # fmt: skip
        lines.append(
            f"- target for {t.name} (>= 25% of nginx gzip_static, p99 <= 15 ms, compressed): "
            f"{'met' if good else 'MISSED'} ({share:.0%}, p99 {p99:.2f} ms, {t.encoding}; "
            f"met in {rounds} of {len(t.runs)} rounds)"
        )
    return lines


# --- The whole run ---------------------------------------------------------------------------


def bench(args):
    ensure_tools()
    use_redis = redis_answers()
    say(
        f"Cache: Redis database {REDIS_DB} on {HOST}:{REDIS_PORT} (emptied first)"
        if use_redis
        else f"Cache: the database table (nothing answers on {HOST}:{REDIS_PORT})"
    )
    if use_redis:
        redis_flush()
    password = secrets.token_urlsafe(24)
    load_before = load_average()
    with (
        tempfile.TemporaryDirectory(prefix="pit-bench-") as tmp_name,
        contextlib.ExitStack() as stack,
    ):
        tmp = Path(tmp_name)
        if use_redis:
            stack.callback(redis_flush)
        env = pit_env(tmp, use_redis)
        pit = start_pit(stack, tmp, env, args.enquiries, password)
        faq_html = fetch(f"{pit.base_url}/faqs/").decode()
        flatpages = start_flatpages(stack, tmp, faq_html)  # the same HTML, stored as a flatpage
        flat_html = fetch(f"{flatpages.base_url}/faqs/")
        nginx = start_nginx(stack, tmp, flat_html)
        say(
            f"Page sizes without compression: PIT FAQ {len(faq_html.encode()):,} bytes, "
            f"flatpage {len(flat_html):,}, nginx file {len(flat_html):,}"
        )

        post = contact_form_post(pit.base_url)
        targets = [
            Target("PIT /", f"{pit.base_url}/", lua_script(tmp, "home"), 200),
            Target("PIT /faqs/", f"{pit.base_url}/faqs/", lua_script(tmp, "faqs"), 200),
            Target(
                "PIT /conditions/knee-pain/",
                f"{pit.base_url}/conditions/knee-pain/",
                lua_script(tmp, "knee"),
                200,
            ),
            Target("PIT /contact/ GET", f"{pit.base_url}/contact/", lua_script(tmp, "get"), 200),
            Target(
                "PIT /contact/ POST", f"{pit.base_url}/contact/", lua_script(tmp, "post", post), 302
            ),
            Target("flatpages /faqs/", f"{flatpages.base_url}/faqs/", lua_script(tmp, "flat"), 200),
            Target(
                "nginx static file (gzip_static)",
                f"{nginx.base_url}/faqs/",
                lua_script(tmp, "nginx"),
                200,
            ),
            Target(
                "nginx static file (gzip per request)",
                f"{nginx.base_url}/live/faqs/",
                lua_script(tmp, "nginx-live"),
                200,
            ),
        ]
        baseline, ceiling = targets[5], targets[6]
        for t in targets:
            t.size, t.encoding, status = response_size(
                t.url, post if t.name.endswith("POST") else None
            )
            if status != t.expected:
                raise BenchError(f"{t.name} answered {status}, not {t.expected}")
        if args.warmup:
            say(f"Warm-up: {args.warmup} s per target")
            for t in targets:
                run_wrk(t, args.warmup, args.connections, warmup=True)
        before = count_enquiries(tmp)
        for round_number in range(1, args.rounds + 1):
            for t in targets:
                run = run_wrk(t, args.duration, args.connections)
                t.runs.append(run)
                say(
                    f"round {round_number} {t.name}: {run.rps:,.0f} req/s, p50 {run.p50:.2f} ms, "
                    f"p99 {run.p99:.2f} ms, {run.failed} failed of {run.requests:,}"
                )
        posted = sum(r.ok for r in targets[4].runs)
        stored = count_enquiries(tmp) - before

        workers = children(pit.process.pid)
        memory = [(pid, rss_mib(pid), process_age(pid)) for pid in workers]
        flat_memory = [rss_mib(pid) for pid in children(flatpages.process.pid)]
        booted = pit.log_text().count("Spawning worker")

        say("Reception list: signing in and timing...")
        opener = sign_in(pit.base_url, password)
        admin = f"{pit.base_url}/admin/enquiries/enquiry/"
        timings = [
            (name, time_admin(opener, admin + query))
            for name, query in (
                ("list", ""),
                ("filter condition=Knee pain", "?condition=Knee+pain"),
                ("search q=PIT-2", "?q=PIT-2"),
            )
        ]
        total = count_enquiries(tmp)

        facts = [
            f"- page HTML before compression: {len(faq_html.encode()):,} bytes (the PIT FAQ page; "
            "the flatpage and the nginx file carry the same HTML)",
            f"- PIT site: SQLite database, DEBUG off, shared cache "
            f"{f'Redis (database {REDIS_DB})' if use_redis else 'in a database table'}",
            "- PIT worker memory (VmRSS) after the run: "
            + ", ".join(f"{rss:.1f} MiB (pid {pid}, up {age:.0f} s)" for pid, rss, age in memory)
            + (f"; mean {statistics.mean(m[1] for m in memory):.1f} MiB" if memory else ""),
            f"- flatpages worker memory: {', '.join(f'{m:.1f} MiB' for m in flat_memory)}",
            f"- PIT workers started during the whole run: {booted} for {WORKERS} workers "
            "(more means a worker was respawned: crashed, or over the Procfile's memory limit)",
            f"- load average (1 min) before / after: {load_before:.2f} / {load_average():.2f}",
            f"- contact POSTs answered 302: {posted:,}; enquiries stored meanwhile: {stored:,} "
            "(also those whose answer wrk gave up on or that were in flight at the end)",
            f"- reception enquiry list with {total:,} enquiries (median of 5, min-max, seconds): "
            + "; ".join(f"{n} {m:.3f} ({lo:.3f}-{hi:.3f})" for n, (m, lo, hi) in timings),
            *target_verdicts(targets, ceiling),
        ]
        report(targets, baseline, ceiling, args, facts)

        failing = [t for t in targets if any(r.failed_share() > ERROR_SHARE for r in t.runs)]
        if failing:
            for t in failing:
                worst = max(t.runs, key=WrkRun.failed_share)
                say(
                    f"ERROR: {t.name}: {worst.failed} of {worst.requests:,} requests failed "
                    f"(wrong status {worst.bad}, socket errors {worst.socket_errors})"
                )
            return 1
    return 0


# --- Set-up steps run in the sites' own environments -----------------------------------------


def prepare_pit(count, collect):
    """migrate, load_content, collectstatic when needed, made-up enquiries, a reception user."""
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from pit_site.enquiries.forms import condition_choices
    from pit_site.enquiries.models import (
        REFERENCE_ALPHABET,
        REFERENCE_LENGTH,
        ContactMethod,
        Enquiry,
        Kind,
        Status,
    )

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_content", stdout=sys.stderr)
    if collect:
        call_command("collectstatic", interactive=False, verbosity=0)

    rng = random.Random(14)  # noqa: S311  (made-up data, not secrets)
    conditions = [value for value, _ in condition_choices()]  # "" and "Something else" too
    statuses = [Status.NEW, Status.IN_PROGRESS, Status.BOOKED, Status.CLOSED, Status.SPAM]
    references = set()
    while len(references) < count:
        references.add("PIT-" + "".join(rng.choices(REFERENCE_ALPHABET, k=REFERENCE_LENGTH)))
    now = timezone.now()
    batch = []
    with transaction.atomic():
        for number, reference in enumerate(sorted(references), 1):
            created = now - datetime.timedelta(seconds=rng.uniform(0, 3 * 365 * 86400))
            status = rng.choices(statuses, weights=[3, 5, 20, 62, 10])[0]
            batch.append(
                Enquiry(
                    reference=reference,
                    created_at=created,
                    name=f"Patient {number}",
                    email=f"patient{number}@example.com" if number % 3 else "",
                    phone="" if number % 3 else f"+44161{number:07d}",
                    preferred_contact=ContactMethod.EITHER,
                    kind=rng.choice(Kind.values),
                    condition=rng.choice(conditions),
                    message="Made up by scripts/bench.py.",
                    consent_at=created,
                    privacy_version="bench",
                    status=status,
                    finished_at=created if status in (Status.CLOSED, Status.SPAM) else None,
                    staff_notified_at=created,
                )
            )
            if len(batch) == 2000:
                Enquiry.objects.bulk_create(batch)
                batch = []
        Enquiry.objects.bulk_create(batch)
    call_command("create_staff_user", STAFF_USER, role="reception", password_stdin=True)
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(username=STAFF_USER)
    TOTPDevice.objects.create(user=user, name="Unused app", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="Bench")
    recovery.token_set.create(token=STAFF_RECOVERY_CODE)


def prepare_flatpages(content_path):
    import django

    django.setup()
    from django.contrib.flatpages.models import FlatPage
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    page = FlatPage.objects.create(
        url="/faqs/", title="Questions about PIT", content=Path(content_path).read_text()
    )
    page.sites.add(1)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_prepare-pit"]:
        prepare_pit(int(argv[1]), "--collectstatic" in argv)
        return 0
    if argv[:1] == ["_prepare-flatpages"]:
        prepare_flatpages(argv[1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per target per round")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--warmup", type=int, default=2, help="untimed seconds per target first")
    parser.add_argument("--enquiries", type=int, default=100_000, help="made-up enquiries")
    args = parser.parse_args(argv)
    if not (1 <= args.duration <= 300 and 1 <= args.rounds <= 10 and 1 <= args.connections <= 512):
        parser.error("--duration 1-300, --rounds 1-10, --connections 1-512")
    if not (0 <= args.warmup <= 60 and 0 <= args.enquiries <= 1_000_000):
        parser.error("--warmup 0-60, --enquiries 0-1000000")
    # Stopped with SIGTERM (a CI timeout, kill): stop the servers too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return bench(args)
    except StackError as error:
        say(f"bench failed: {error}")
        return 1
    except subprocess.TimeoutExpired as error:
        say(f"bench failed: {shlex.join(map(str, error.cmd))} took longer than {error.timeout} s")
        return 1


if __name__ == "__main__":
    sys.exit(main())

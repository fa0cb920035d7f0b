#!/usr/bin/env python
"""What patients get while Redis, then the database, fail and come back.

The real stack (scripts/livesite.py: migrate, load_content, the production server command, DEBUG
off) runs on a fresh PostgreSQL database and a Redis database, each behind a TCP proxy this
script controls (scripts/tcpproxy.py). Client threads send steady traffic: pages (most from the
page cache, one with a query string that always reaches Django), the contact form's GET, and
enquiries (a POST with a unique name). Five phases of --seconds each:

    normal            both services up
    Redis cut         the Redis proxy refuses and resets connections
    Redis restored
    database cut      the PostgreSQL proxy refuses and resets connections
    database restored

For each phase the table gives requests sent, answers 2xx/3xx, 503, 500 and other, the slowest
answer, and enquiries confirmed (redirected to the sent page) against confirmed and found in the
database afterwards (by name). A request under way when a service was cut or restored is
counted in its own row, "across a switch". The target: no 500s and no confirmed enquiry lost.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres; a pit_faults_measure_<random> database,
dropped afterwards) and Redis on 127.0.0.1:6379 (database --redis-db, emptied before and after).

    DJANGO_SECRET_KEY="$(cat .secret_key)" .venv/bin/python -m scripts.measure_faults \\
        [--seconds 8] [--clients 4] [--redis-db 13]
"""

import argparse
import itertools
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from scripts.livesite import (
    HOST,
    StackError,
    cookie_opener,
    form_inputs,
    postgres_available,
    prepare,
    serving_web,
    site_env,
    temporary_postgres_database,
)
from scripts.tcpproxy import TcpProxy

REDIS_PORT = 6379
PAGES = ["/", "/faqs/", "/conditions/knee-pain/", "/what-is-pit/", "/faqs/?from=measure",
         "/contact/"]  # fmt: skip
ENQUIRY_EVERY = 4  # one request in this many is an enquiry
TIMEOUT = 30
SWITCH = "across a switch"
PHASES = [
    ("normal", lambda redis, db: None),
    ("Redis cut", lambda redis, db: redis.cut()),
    ("Redis restored", lambda redis, db: redis.restore()),
    ("database cut", lambda redis, db: db.cut()),
    ("database restored", lambda redis, db: db.restore()),
]


def redis_client(db):
    import redis

    return redis.Redis(host=HOST, port=REDIS_PORT, db=db, socket_timeout=5)


class Client(threading.Thread):
    """Sends requests until told to stop, recording (phase, kind, status, seconds[, name])."""

    def __init__(self, number, base_url, results, phase):
        super().__init__(daemon=True)
        self.number, self.base_url, self.results, self.phase = number, base_url, results, phase
        self.stopping = threading.Event()
        self.opener, self.form = None, None
        self.load_form()

    def load_form(self):
        try:
            opener, _jar = cookie_opener()
            self.form = form_inputs(opener, f"{self.base_url}/contact/", timeout=TIMEOUT)
            self.opener = opener
        except (OSError, StackError):
            pass  # keep the form loaded before (its tokens stay valid)

    def request(self, path, data=None):
        started = time.monotonic()
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=TIMEOUT) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:  # includes the 302 (redirects are not followed)
            status = error.code
        except OSError:
            status = 0  # no answer at all
        return status, time.monotonic() - started

    def run(self):
        for count in itertools.count():
            if self.stopping.is_set():
                return
            phase = self.phase[0]
            if count % ENQUIRY_EVERY == ENQUIRY_EVERY - 1:
                name = f"Measure {self.number}-{count}"
                values = {**self.form, "name": name, "email": "m@example.org",
                          "preferred_contact": "email", "kind": "question", "consent": "on",
                          "message": "Sent while measuring faults."}  # fmt: skip
                data = urllib.parse.urlencode(values).encode()
                kind, (status, seconds) = "enquiry", self.request("/contact/", data)
            else:
                path, name = PAGES[count % len(PAGES)], None
                kind, (status, seconds) = "page", self.request(path)
                if path == "/contact/" and status == 200:
                    self.load_form()
            if self.phase[0] != phase:  # a service was cut or restored while it waited
                phase = SWITCH
            self.results.append((phase, kind, status, seconds, name))


def stored_names(database_url):
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as connection:
        rows = connection.execute("SELECT name FROM enquiries_enquiry WHERE name LIKE 'Measure %'")
        return {name for (name,) in rows}


def measure(seconds, clients, redis_db):
    results, phase = [], ["normal"]
    with tempfile.TemporaryDirectory(prefix="pit-faults-") as tmp, ExitStack() as stack:
        tmp = Path(tmp)
        database_url = stack.enter_context(temporary_postgres_database("pit_faults_measure"))
        database = urlsplit(database_url)
        db_proxy = stack.enter_context(TcpProxy(database.port))
        redis_proxy = stack.enter_context(TcpProxy(REDIS_PORT))
        redis_client(redis_db).flushdb()
        stack.callback(lambda: redis_client(redis_db).flushdb())
        env = site_env(
            database_url.replace(f":{database.port}/", f":{db_proxy.port}/"),
            tmp,
            REDIS_URL=f"redis://{HOST}:{redis_proxy.port}/{redis_db}",
            PIT_FALLBACK_DIR=str(tmp / "fallback"),
            ENQUIRY_MIN_SECONDS="0",
            ENQUIRY_RATE_LIMIT="off",
            ENQUIRY_STORE_LIMIT="off",  # every enquiry comes from 127.0.0.1
        )
        prepare(env)
        server = stack.enter_context(serving_web(env, tmp / "server.log", name="site"))
        threads = [Client(n, server.base_url, results, phase) for n in range(clients)]
        for thread in threads:
            thread.start()
        for name, act in PHASES:
            act(redis_proxy, db_proxy)
            phase[0] = name
            time.sleep(seconds)
        for thread in threads:
            thread.stopping.set()
        for thread in threads:
            thread.join(TIMEOUT + 5)
        stored = stored_names(database_url)
        log = server.log_text()
    return results, stored, log


def table(results, stored):
    lines = [
        "| phase | requests | 2xx/3xx | 503 | 500 | other | slowest s "
        "| enquiries confirmed | confirmed and stored | refused (503) but stored |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in [*(name for name, _act in PHASES), SWITCH]:
        rows = [r for r in results if r[0] == name]
        statuses = Counter(
            "ok" if 200 <= status < 400 else status if status in (500, 503) else "other"
            for _, _, status, _, _ in rows
        )
        enquiries = [r for r in rows if r[1] == "enquiry"]
        confirmed = [r[4] for r in enquiries if r[2] == 302]
        refused_but_stored = sum(1 for r in enquiries if r[2] != 302 and r[4] in stored)
        slowest = max((r[3] for r in rows), default=0)
        lines.append(
            f"| {name} | {len(rows)} | {statuses['ok']} | {statuses[503]} | {statuses[500]} "
            f"| {statuses['other']} | {slowest:.2f} | {len(confirmed)} "
            f"| {sum(1 for n in confirmed if n in stored)} | {refused_but_stored} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="length of each phase")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database to use")
    parser.add_argument("--log", type=Path, help="also copy the server's log here")
    args = parser.parse_args(argv)
    if not postgres_available():
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
    try:
        results, stored, log = measure(args.seconds, args.clients, args.redis_db)
    except StackError as error:
        sys.exit(str(error))
    if args.log:
        args.log.write_text(log)
    print(table(results, stored))
    print(
        f"\nServer log: {log.count('Cache unavailable')} 'Cache unavailable' and "
        f"{log.count('Database unavailable')} 'Database unavailable' warnings, "
        f"{log.count('Traceback')} tracebacks."
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""How long GET /contact/ takes next to a cached page, in one process, through the whole WSGI
application (trusted-proxy filter, page cache, every middleware), without a network or server.

It uses the project's own database and cache (run `make setup` first). Each round times
--requests GETs of each path in turn, with a fresh client (no cookies) each time; it prints
the median of the rounds in milliseconds per request, and how many cached pages one contact
page costs.

Usage (from the project root):

    .venv/bin/python -m scripts.measure_contact_get --requests 200 --rounds 5
    .venv/bin/python -m scripts.measure_contact_get --profile  # where its time goes
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
import wsgiref.util

PATHS = ("/contact/", "/faqs/")


def get(application, path):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_ENCODING": "gzip, br",
        "REMOTE_ADDR": "127.0.0.1",
    }
    wsgiref.util.setup_testing_defaults(environ)
    status = []
    body = b"".join(application(environ, lambda s, headers, exc_info=None: status.append(s)))
    if not status or not status[0].startswith("200"):
        raise SystemExit(f"GET {path} answered {status[:1]}")
    return body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="GETs per path per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of /contact/")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pit_site.settings")
    os.environ.setdefault("DJANGO_SECURE", "0")  # plain http, as make run
    from pit_site.wsgi import application

    for path in PATHS:  # warm up: the page cache, the database connection, imports
        for _ in range(20):
            get(application, path)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [get(application, "/contact/") for _ in range(args.requests)])
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
        return 0
    times = {path: [] for path in PATHS}
    for _ in range(args.rounds):
        for path in PATHS:
            started = time.perf_counter()
            for _ in range(args.requests):
                get(application, path)
            times[path].append((time.perf_counter() - started) / args.requests * 1000)
    for path in PATHS:
        rounds = ", ".join(f"{t:.2f}" for t in times[path])
        print(f"GET {path}: {statistics.median(times[path]):.2f} ms (rounds: {rounds})")
    ratio = statistics.median(times["/contact/"]) / statistics.median(times["/faqs/"])
    print(f"/contact/ costs {ratio:.1f} cached pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())

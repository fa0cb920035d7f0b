#!/usr/bin/env python
"""What a browser's revalidation of a cached page costs, against fetching the page again.

Published pages are sent with ``Cache-Control: public, no-cache``: a browser keeps its copy
but asks before each use, with the ETag it got (If-None-Match). This serves the real stack
(scripts/livesite.py: gunicorn, DEBUG off, a throw-away SQLite database) and, for each page,
times N sequential requests of each kind on one keep-alive connection:

    full      a first visit: Accept-Encoding br, no validator (200 with the body)
    revalid.  a revisit: the same, with the ETag of the first answer (304, no body)

It reports the median and p95 time per request and the bytes on the wire (status line,
headers and body), which is what a phone on a slow network pays.

Usage (from the project root):

    .venv/bin/python -m scripts.measure_revalidation [-n 500]
"""

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

from scripts.livesite import StackError, gunicorn_command, prepare, serving, site_env

PATHS = ["/", "/faqs/", "/conditions/knee-pain/"]


def timed(connection, path, headers):
    start = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    head = f"HTTP/1.1 {response.status} {response.reason}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in response.getheaders()
    )
    return response, elapsed, len(head) + 2 + len(body)


def measure_path(host, port, path, n):
    connection = http.client.HTTPConnection(host, port, timeout=10)
    full_headers = {"Accept-Encoding": "br"}
    first, _, _ = timed(connection, path, full_headers)
    etag = first.getheader("ETag")
    rows = {}
    for kind, headers in (
        ("full", full_headers),
        ("revalid.", {**full_headers, "If-None-Match": etag}),
    ):
        times, size, status = [], 0, None
        for _ in range(n):
            response, elapsed, size = timed(connection, path, headers)
            times.append(elapsed)
            status = response.status
        times.sort()
        rows[kind] = (status, statistics.median(times), times[int(0.95 * (n - 1))], size)
    connection.close()
    return first.getheader("Cache-Control"), rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=500, help="requests of each kind per page")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = site_env(f"sqlite:///{Path(tmp) / 'site.sqlite3'}", tmp)
        try:
            prepare(env)
            command = gunicorn_command("--workers", "1")
            with serving("gunicorn", command, env, Path(tmp) / "gunicorn.log") as server:
                host, port = server.base_url.removeprefix("http://").split(":")
                results = [(path, *measure_path(host, int(port), path, args.n)) for path in PATHS]
        except StackError as error:
            sys.exit(str(error))
    print("| page | Cache-Control | request | status | median ms | p95 ms | bytes on the wire |")
    print("|---|---|---|---:|---:|---:|---:|")
    for path, cache_control, rows in results:
        for kind, (status, median, p95, size) in rows.items():
            print(
                f"| {path} | {cache_control} | {kind} | {status} | {median * 1000:.2f} "
                f"| {p95 * 1000:.2f} | {size} |"
            )


if __name__ == "__main__":
    main()

"""How fast site search answers, measured in-process: `python -m scripts.bench_search`.

Loads the shipped content/ into a throw-away SQLite database (or the database you name), then
times, for each query in QUERIES, the search itself (pit_site.search.engine.search) and the
whole results page (the view through Django's test client, template included). Reports p50
and p95 in milliseconds over --repeat runs of every query, after one warm-up run each.

With --pages N (PostgreSQL only, --database-url of a scratch database) it also adds N pages
made from the shipped pages' text under /bench-N/, measures again, and deletes them.

With --postgres-pages N (what `make bench` runs) it measures on SQLite, then, when PostgreSQL
answers on 127.0.0.1:5432, runs itself again on a scratch database it creates there
(POSTGRES_BENCH_URL, default postgres://postgres@127.0.0.1:5432/pit_bench_search) with N
generated pages.

    make setup && .venv/bin/python -m scripts.bench_search
    ... -m scripts.bench_search --database-url postgres://postgres@127.0.0.1/pit_bench --pages 2000
"""

import argparse
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = [
    "heel pain", "is it safe if I am diabetic", "how much does it cost", "does it hurt",
    "tennis elbow", "pins and needles", "can I drive home", "side effects", "jab in my knee",
    "prolo", "sugar", "NPT", "planter fashitis", "xylophone lessons", "pain",
]  # fmt: skip


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(function, repeat):
    samples = []
    for query in QUERIES:
        function(query)  # warm-up
        for _ in range(repeat):
            start = time.perf_counter()
            function(query)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label, samples):
    print(
        f"| {label} | {len(samples)} | {statistics.median(samples):.2f} | "
        f"{percentile(samples, 0.95):.2f} | {max(samples):.2f} |"
    )


def add_generated_pages(count):
    """count published pages built from the shipped pages' text, indexed in one go."""
    from pit_site.pages.models import Page, Status
    from pit_site.search import index
    from pit_site.search.models import SearchDocument

    sources = list(Page.objects.published().exclude(kind="faq"))
    rng = random.Random(12)  # noqa: S311 - the same made-up pages every run
    pages = []
    for number in range(count):
        source = rng.choice(sources)
        pages.append(
            Page(
                path=f"bench-{number}",
                title=f"{source.title} ({number})",
                summary=source.summary,
                kind="page",
                status=Status.PUBLISHED,
                body=source.body,
                body_html=source.body_html,
            )
        )
    created = Page.objects.bulk_create(pages, batch_size=500)  # no signals: index below
    for start in range(0, len(created), 200):
        index.reindex(created[start : start + 200], Page, SearchDocument)
    return count


def remove_generated_pages():
    from pit_site.pages.models import Page

    Page.objects.filter(path__startswith="bench-").delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="runs of each query (50)")
    parser.add_argument("--database-url", help="a scratch database (default: a temp SQLite)")
    parser.add_argument("--pages", type=int, default=0, help="generated pages to add too")
    parser.add_argument(
        "--postgres-pages", type=int, default=0, help="then on PostgreSQL, N pages added"
    )
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-search-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp.name) / 'db.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pit_site.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"  # Django's test client
    os.environ.setdefault("DJANGO_SECURE", "0")  # plain http from the test client
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from pit_site.search.engine import search

    if args.pages and connection.vendor != "postgresql":
        sys.exit("--pages needs --database-url of a PostgreSQL scratch database")
    print("Preparing the database...", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("load_content", verbosity=0, stdout=io.StringIO())
    client = Client()

    def page(query):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, response.status_code

    print(f"Search timings, {connection.vendor}, {len(QUERIES)} queries x {args.repeat} runs\n")
    print("| what | samples | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    report("search(), shipped content", measure(search, args.repeat))
    report("results page, shipped content", measure(page, args.repeat))
    if args.pages:
        print(f"Adding {args.pages} generated pages...", file=sys.stderr)
        try:
            add_generated_pages(args.pages)
            report(f"search(), +{args.pages} pages", measure(search, args.repeat))
            report(f"results page, +{args.pages} pages", measure(page, args.repeat))
        finally:
            remove_generated_pages()
    tmp.cleanup()
    if args.postgres_pages and not args.database_url:
        again_on_postgres(args.postgres_pages, args.repeat)


def again_on_postgres(pages, repeat):
    """The same measurement on a scratch PostgreSQL database, with pages generated pages."""
    url = os.environ.get(
        "POSTGRES_BENCH_URL", "postgres://postgres@127.0.0.1:5432/pit_bench_search"
    )
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        print("\nPostgreSQL is not answering on 127.0.0.1:5432: skipped the large-site run.")
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    print(flush=True)
    command = [sys.executable, "-m", "scripts.bench_search", "--database-url", url]
    command += ["--pages", str(pages), "--repeat", str(repeat)]
    subprocess.run(command, check=True)  # noqa: S603 - our own script


if __name__ == "__main__":
    main()

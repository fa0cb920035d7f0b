#!/usr/bin/env python
"""One address floods the contact form: count what the clinic stores and emails.

The real stack (scripts/measure_enquiry_concurrency.running_site: migrate, load_content,
the Procfile's server with 4 workers, DEBUG off) on a throw-away SQLite database, with the default
spam settings (ENQUIRY_RATE_LIMIT 5/h, ENQUIRY_STORE_LIMIT 20/d, ENQUIRY_MIN_SECONDS 3). A
bot fetches the form once, then posts N enquiries from one address as fast as it can (each
with its own made-up email address, as spam does). The script then reads the site's database
and prints what happened:

    stored    enquiries in the database (flagged: marked suspected spam)
    emailed   staff notifications sent, and acknowledgements sent to the made-up addresses
    refused   posts answered 429 and not stored, and the refusal counter staff see

Usage (from the project root):

    DJANGO_SECRET_KEY="$(cat .secret_key)" .venv/bin/python -m scripts.measure_spam [-n 40]
"""

import argparse
import tempfile
import time
import urllib.error
import urllib.parse

from scripts.livesite import cookie_opener, form_inputs
from scripts.measure_enquiry_concurrency import running_site


def post_all(base_url, n):
    """(statuses, seconds): n posts from one visitor, one after another, as fast as possible."""
    opener, _jar = cookie_opener()
    inputs = form_inputs(opener, f"{base_url}/contact/")
    statuses = []
    started = time.perf_counter()
    for number in range(n):
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": inputs["csrfmiddlewaretoken"],
                "shown": inputs["shown"],
                "name": f"Spammer {number}",
                "email": f"victim{number}@example.com",
                "preferred_contact": "either",
                "kind": "question",
                "message": "Cheap pills, visit my site.",
                "consent": "on",
                "website": "",
            }
        ).encode()
        try:
            with opener.open(f"{base_url}/contact/", data=data, timeout=60) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            with error:
                statuses.append(error.code)
    return statuses, time.perf_counter() - started


def one(site, query):
    try:
        return site.rows(query)[0][0] or 0
    except Exception:  # a table this version of the site does not have
        return None


def measure(n):
    with (
        tempfile.TemporaryDirectory(prefix="pit-spam-") as tmp,
        running_site(
            "sqlite",
            tmp,
            ENQUIRY_RATE_LIMIT="5/h",
            ENQUIRY_STORE_LIMIT="20/d",
            ENQUIRY_MIN_SECONDS="3",
        ) as site,
    ):
        statuses, seconds = post_all(site.base_url, n)
        time.sleep(1)  # the last emails go out just after each answer
        site.stop()
        table = "enquiries_enquiry"
        counter = one(site, "SELECT SUM(count) FROM enquiries_refusedenquiries")
        return {
            "posts": n,
            "seconds": f"{seconds:.2f}",
            "answered 302": statuses.count(302),
            "refused (429)": statuses.count(429),
            "other answers": len(statuses) - statuses.count(302) - statuses.count(429),
            "stored": one(site, f"SELECT COUNT(*) FROM {table}"),  # noqa: S608
            "stored, flagged": one(
                site,
                f"SELECT COUNT(*) FROM {table} WHERE suspected_spam != ''",  # noqa: S608
            ),
            "staff emails": one(
                site,
                f"SELECT COUNT(*) FROM {table} WHERE staff_notified_at IS NOT NULL",  # noqa: S608
            ),
            "acknowledgements": one(
                site,
                f"SELECT COUNT(*) FROM {table} WHERE acknowledged_at IS NOT NULL",  # noqa: S608
            ),
            "refusal counter": "none" if counter is None else counter,
        }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=40, help="posts from one address")
    args = parser.parse_args(argv)
    for name, value in measure(args.n).items():
        print(f"{name:18} {value}")


if __name__ == "__main__":
    main()

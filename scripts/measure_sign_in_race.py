#!/usr/bin/env python
"""Race the sign-in lockout (django-axes, 5 failures) on the real server, and count the guesses.

The real stack (scripts/measure_enquiry_concurrency.running_site: migrate, load_content,
the Procfile's server with 4 workers, DEBUG off) on a throw-away database. For each round a
new staff account is made, then:

    after4   4 wrong passwords one after another, then 8 sign-ins at the same moment (7 wrong,
             1 right): with the limit of 5, at most one of the 8 may have its password checked,
             so the right one gets in only when it happens to be checked first.
    burst    12 wrong passwords at the same moment on a fresh account: 5 may be checked.

It prints, per backend and scenario, how often the right password got in, and the most
passwords checked in one round, counted by the site itself: the server starts with Django's
check_password wrapped to write a line to a file each time it runs (a guess the server judged).

Usage (from the project root):

    DJANGO_SECRET_KEY="$(cat .secret_key)" .venv/bin/python -m scripts.measure_sign_in_race \\
        [--rounds 5] [--backend sqlite postgresql]

tests/security/test_sign_in_race.py imports this module for the same harness.
"""

import argparse
import contextlib
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from scripts.livesite import cookie_opener, form_inputs, manage
from scripts.measure_enquiry_concurrency import (
    BACKENDS,
    postgres_available,
    running_site,
)

LIMIT = 5  # AXES_FAILURE_LIMIT
PASSWORD = "a-Long-correct-password-1"  # noqa: S105 (a throw-away database)
TIMEOUT = 60

# Run in the server's main process before the site loads (its workers are forked from it):
# every password check appends a line (the user name) to the file PIT_PASSWORD_CHECKS names.
# User.check_password imports check_password when Django loads, after this, so it gets the
# wrapped one.
COUNT_CHECKS = """
import os
from django.contrib.auth import hashers
_check = hashers.check_password
def check_password(password, encoded, setter=None, preferred="default"):
    with open(os.environ["PIT_PASSWORD_CHECKS"], "a") as log:
        log.write("check\\n")
    return _check(password, encoded, setter, preferred)
hashers.check_password = check_password
"""


class Visitor:
    """One browser: its own cookies and CSRF token, posting to the admin's sign-in form."""

    def __init__(self, base_url):
        self.url = f"{base_url}/admin/login/"
        self.opener, _jar = cookie_opener()
        self.csrf = form_inputs(self.opener, self.url)["csrfmiddlewaretoken"]

    def sign_in(self, username, password):
        """The answer's status: 302 signed in, 200 wrong password, 429 paused."""
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.csrf,
                "username": username,
                "password": password,
                "next": "/admin/",
            }  # fmt: skip
        ).encode()
        try:
            with self.opener.open(self.url, data=data, timeout=TIMEOUT) as response:
                return response.status
        except urllib.error.HTTPError as error:
            with error:
                return error.code


def at_once(calls):
    """Run the calls in threads released together; their results, in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # counted, never lost in a thread
            results[index] = repr(error)

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT + 30)
    return results


@dataclass
class Round:
    answers: list  # statuses of the simultaneous attempts
    checked: int  # passwords the server checked for the account, earlier failures included

    @property
    def signed_in(self):
        return self.answers.count(302)


@contextlib.contextmanager
def instrumented_site(backend, tmp):
    """running_site, counting password checks in tmp/checks (site.checks() reads it)."""
    checks = Path(tmp) / "checks"
    checks.touch()
    with running_site(
        backend, tmp, server_preamble=COUNT_CHECKS, PIT_PASSWORD_CHECKS=str(checks)
    ) as site:
        site.checks = lambda: len(checks.read_text().splitlines())
        yield site


def make_account(site, username):
    manage(
        ["create_staff_user", username, "--role", "editor", "--password-stdin"],
        site.env,
        stdin=PASSWORD + "\n",
    )


def after_four(site, username):
    make_account(site, username)
    before = site.checks()
    first = Visitor(site.base_url)
    for _ in range(LIMIT - 1):
        first.sign_in(username, "wrong")
    visitors = [Visitor(site.base_url) for _ in range(8)]
    passwords = ["wrong"] * 7 + [PASSWORD]
    answers = at_once(
        [lambda v=v, p=p: v.sign_in(username, p) for v, p in zip(visitors, passwords, strict=True)]
    )
    return Round(answers, site.checks() - before)


def burst(site, username):
    make_account(site, username)
    before = site.checks()
    visitors = [Visitor(site.base_url) for _ in range(12)]
    answers = at_once([lambda v=v: v.sign_in(username, "wrong") for v in visitors])
    return Round(answers, site.checks() - before)


SCENARIOS = {"after4": after_four, "burst": burst}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"],
                        default=["sqlite", "postgresql"])  # fmt: skip
    args = parser.parse_args(argv)
    print("backend | scenario | rounds | right one got in | most passwords checked in a round")
    for backend in args.backend:
        if backend == "postgresql" and not postgres_available():
            print(f"skipped {backend}: PostgreSQL does not answer", file=sys.stderr)
            continue
        with (
            tempfile.TemporaryDirectory(prefix="pit-signin-") as tmp,
            instrumented_site(backend, tmp) as site,
        ):
            for name, scenario in SCENARIOS.items():
                rounds = [scenario(site, f"{name}{i}") for i in range(args.rounds)]
                got_in = sum(r.signed_in for r in rounds)
                most = max(r.checked for r in rounds)
                print(f"{BACKENDS[backend]} | {name} | {args.rounds} | {got_in} | {most}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""What a patient sees, and what is kept, when the clinic's mail server fails.

The real stack (scripts/livesite.py: migrate, load_content, the Procfile's server, 2 workers,
DEBUG off, SMTP email) runs on a throw-away SQLite database, with the mail server on loopback
in one of three states, one after another:

    refused   nothing listens on the mail port (the connection is refused at once)
    silent    the port accepts connections but never answers (a hung mail server)
    working   a small SMTP sink that accepts every message

For "refused" and "silent", N patients send the contact form (each with an email address, so
each enquiry owes two emails: staff and acknowledgement). The script reports how many got the
confirmation page, how long they waited, and how many enquiries are stored with email pending.
A minute later (when the first retry is due), with the sink listening, it runs
`manage.py send_pending_notifications` twice and counts the messages the sink received each
time: every owed email once, then none.

Usage (from the project root):

    .venv/bin/python -m scripts.measure_mail_failure -n 10
"""

import argparse
import socket
import socketserver
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from scripts.livesite import (
    HOST,
    StackError,
    cookie_opener,
    form_inputs,
    free_port,
    manage,
    prepare,
    serving_web,
    site_env,
)

MIN_SECONDS = 1  # ENQUIRY_MIN_SECONDS given to the site
POST_TIMEOUT = 90
RETRY_WAIT = 62  # seconds: notifications.retry_delay(1) is one minute


class SinkHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to take a message: every command is accepted."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ready")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command == "DATA":
                self.reply("354 go ahead")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.server.messages += 1
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class Sink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    messages = 0


@contextmanager
def mail_server(state, port):
    """Nothing ("refused"), a socket that never answers ("silent"), or the sink ("working")."""
    if state == "refused":
        yield None
        return
    if state == "silent":
        with socket.socket() as listener:
            listener.bind((HOST, port))
            listener.listen(64)  # connections complete in the kernel; nobody ever answers
            yield None
        return
    with Sink((HOST, port), SinkHandler) as sink:
        thread = threading.Thread(target=sink.serve_forever, daemon=True)
        thread.start()
        try:
            yield sink
        finally:
            sink.shutdown()


def send_form(base_url, number):
    """(status, seconds) of one patient's POST after the form has been shown long enough."""
    opener, _jar = cookie_opener()
    values = form_inputs(opener, f"{base_url}/contact/")
    time.sleep(MIN_SECONDS + 0.2)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": values["csrfmiddlewaretoken"],
            "shown": values["shown"],
            "name": f"Mail Test {number}",
            "email": f"patient{number}@example.com",
            "preferred_contact": "email",
            "kind": "question",
            "message": "Sent while the mail server is failing.",
            "consent": "on",
        }
    ).encode()
    started = time.monotonic()
    try:
        with opener.open(f"{base_url}/contact/", data=data, timeout=POST_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def pending_count(database):
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)
    try:
        return connection.execute(
            "SELECT COUNT(*) FROM enquiries_enquiry WHERE "
            "(staff_notification_due AND staff_notified_at IS NULL) OR "
            "(acknowledgement_due AND acknowledged_at IS NULL)"
        ).fetchone()[0]
    finally:
        connection.close()


def measure(n):
    rows, retries = [], []
    with tempfile.TemporaryDirectory(prefix="pit-mail-") as tmp:
        tmp = Path(tmp)
        port = free_port()
        database = tmp / "mail.sqlite3"
        env = site_env(
            f"sqlite:///{database}",
            tmp,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            DJANGO_EMAIL_HOST=HOST,
            DJANGO_EMAIL_PORT=str(port),
            ENQUIRY_RATE_LIMIT="off",
            ENQUIRY_MIN_SECONDS=str(MIN_SECONDS),
        )
        prepare(env)
        with serving_web(env, tmp / "web.log", WEB_CONCURRENCY="2") as server:
            stored_before = 0
            for state in ("refused", "silent"):
                with mail_server(state, port):
                    answers = [send_form(server.base_url, i) for i in range(n)]
                confirmed = sum(1 for status, _ in answers if status == 302)
                waits = [seconds for _, seconds in answers]
                pending = pending_count(database)
                rows.append((state, n, confirmed, statistics.median(waits), max(waits),
                             pending - stored_before))  # fmt: skip
                stored_before = pending
        time.sleep(RETRY_WAIT)  # the first retry is due a minute after a failed attempt
        with mail_server("working", port) as sink:
            for _ in range(2):
                before = sink.messages
                manage(["send_pending_notifications"], env)
                retries.append(sink.messages - before)
            left = pending_count(database)
    return rows, retries, left


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10, help="patients per mail-server state")
    args = parser.parse_args(argv)
    try:
        rows, retries, left = measure(args.n)
    except StackError as error:
        sys.exit(str(error))
    print("| mail server | enquiries sent | confirmation shown | wait p50 s | wait max s "
          "| stored with email pending |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for state, n, confirmed, p50, longest, pending in rows:
        print(f"| {state} | {n} | {confirmed} | {p50:.2f} | {longest:.2f} | {pending} |")
    print(
        f"\nThen, with the mail server working: send_pending_notifications sent {retries[0]} "
        f"emails, a second run sent {retries[1]}; enquiries still pending: {left}."
    )


if __name__ == "__main__":
    main()

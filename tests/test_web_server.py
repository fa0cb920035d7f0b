"""The production server, started from the Procfile's web: line exactly as `make run` runs it.

These tests talk to a real server over loopback (scripts/livesite.py), so they see what a
patient's browser would: they never use pytest-django's database.
"""

import contextlib
import socket
import threading
import time
import urllib.parse
import urllib.request

import pytest

from scripts.livesite import HOST, StackError, prepare, site_env, start_web

IDLE_CONNECTIONS = 50
SLOW_CONNECTIONS = 10
ANSWER_WITHIN = 5  # seconds; a cached page normally takes milliseconds
SLOW_LINE_EVERY = 1  # seconds between the slow clients' header lines


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web-server")
    # `make run`'s settings: its default worker count and the access log on.
    env = site_env(f"sqlite:///{tmp / 'web.sqlite3'}", tmp, GRANIAN_LOG_ACCESS_ENABLED="1")
    try:
        prepare(env)
        server = start_web(env, tmp / "web.log", WEB_CONCURRENCY="2")
    except StackError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


def get(url, timeout=ANSWER_WITHIN):
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
        return response.status, response.read()


def connect(site):
    return socket.create_connection((HOST, urllib.parse.urlsplit(site.base_url).port), timeout=10)


def idle_keep_alive(site, count):
    """Connections that asked for one page each and now sit open, as browsers leave them."""
    sockets = []
    for _ in range(count):
        sock = connect(site)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 "), "no answer on a keep-alive connection"
        sockets.append(sock)
    return sockets


def test_slow_and_idle_clients_do_not_stop_others_being_served(site):
    stop = threading.Event()
    slow = [connect(site) for _ in range(SLOW_CONNECTIONS)]

    def trickle():
        # Slowloris: a request line, then one header line now and then, never the blank line.
        for sock in slow:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        number = 0
        while not stop.wait(SLOW_LINE_EVERY):
            number += 1
            for sock in slow:
                # The server may close a client this slow: that is allowed.
                with contextlib.suppress(OSError):
                    sock.sendall(f"X-Slow-{number}: a\r\n".encode())

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    idle = idle_keep_alive(site, IDLE_CONNECTIONS)
    try:
        # Several rounds while the slow clients keep sending: each one must be answered.
        for _ in range(5):
            started = time.monotonic()
            status, body = get(site.base_url + "/faqs/")
            assert status == 200 and b"</html>" in body
            assert time.monotonic() - started < ANSWER_WITHIN
            time.sleep(SLOW_LINE_EVERY)
        status, _ = get(site.base_url + "/contact/")  # a page Django renders, not the cache
        assert status == 200
    finally:
        stop.set()
        sender.join()
        for sock in slow + idle:
            sock.close()


def test_access_log_is_layered_on_and_never_logs_the_query_string(site):
    # The query string can carry a signed enquiry reference (/contact/sent/?ref=...).
    status, _ = get(site.base_url + "/faqs/?ref=SIGNED-REFERENCE-123")
    assert status == 200
    time.sleep(0.5)  # the log is written after the answer
    log = site.log_text()
    assert '"GET /faqs/ HTTP/1.1" 200' in log
    assert "SIGNED-REFERENCE-123" not in log

"""manage.py check_references against a local HTTP server started here (no internet needed)."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pit_site.references.checks import check_link
from pit_site.references.models import CheckStatus, Reference

pytestmark = pytest.mark.django_db
SLOW_SECONDS = 3


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(SLOW_SECONDS)
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/new-home")
            self.end_headers()
            return
        if self.path == "/gone":
            self.send_error(404, "Not Found")
            return
        kind = "application/pdf" if self.path.endswith(".pdf") else "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(b"%PDF-1.4" if kind == "application/pdf" else b"<p>A paper</p>")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port():
    """A local port nothing listens on: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make(key, url):
    return Reference.objects.create(key=key, study_type="other", title=key, url=url)


def run(*args):
    out = StringIO()
    try:
        call_command("check_references", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_each_kind_of_answer_is_recorded_and_broken_ones_listed(server, closed_port):
    Reference.objects.all().delete()
    make("ok", f"{server}/paper")
    make("moved", f"{server}/moved")
    make("gone", f"{server}/gone")
    make("slow", f"{server}/slow")
    make("refused", f"http://127.0.0.1:{closed_port}/")
    make("pdf", f"{server}/paper.pdf")
    started = time.monotonic()
    out, error = run("--timeout", "1")
    assert time.monotonic() - started < SLOW_SECONDS + 2  # checked side by side, not waited on
    assert error == "3 references have broken links"
    assert "6 checked: 2 work, 1 moved, 3 broken" in out
    found = {r.key: r for r in Reference.objects.all()}
    assert found["ok"].check_status == CheckStatus.OK and found["ok"].check_detail == ""
    assert found["moved"].check_status == CheckStatus.REDIRECTED
    assert found["moved"].redirect_target == f"{server}/new-home"
    assert found["gone"].check_detail == "Web: the server answered 404 Not Found"
    assert found["slow"].check_detail == "Web: no answer within 1 seconds"
    assert found["refused"].check_detail == "Web: the server refused the connection"
    assert found["pdf"].check_status == CheckStatus.OK
    assert found["pdf"].check_detail == "Web: not a web page: application/pdf"
    assert all(r.checked_at for r in found.values())
    for key in ["gone", "slow", "refused"]:
        assert f"broken: {key}: " in out
    assert "broken: ok" not in out and "broken: moved" not in out


def test_all_working_exits_cleanly_and_a_check_does_not_touch_the_pages(server):
    Reference.objects.all().delete()
    make("ok", f"{server}/paper")
    out, error = run("ok")
    assert error is None and "1 checked: 1 work, 0 moved, 0 broken" in out


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("javascript:alert(1)", "not a web address (javascript:)"),
        ("no scheme at all", "not a web address"),
        ("https://" + "a" * 3000 + ".org/", "the address is too long (3,013 characters)"),
        ("https:///no-host", "not a valid web address"),
        ("http://[::1", "not a valid web address"),
    ],
)
def test_hostile_addresses_give_a_clear_message(url, expected):
    result = check_link(url, timeout=1)
    assert result.status == CheckStatus.BROKEN
    assert result.detail.startswith(expected)


def test_odd_unicode_addresses_are_encoded_not_crashed_on(server):
    result = check_link(f"{server}/päper/\u202e名前?q=ü", timeout=2)
    assert result.status == CheckStatus.OK
    result = check_link("http://exa\u0000mple.test/", timeout=1)
    assert result.status == CheckStatus.BROKEN and result.detail


def test_bad_options_and_unknown_keys_are_clear_errors():
    assert run("--timeout", "0")[1].startswith("--timeout must be")
    assert run("--workers", "50")[1] == "--workers must be between 1 and 8"
    assert run("no-such-key")[1] == "no reference with the key: no-such-key"

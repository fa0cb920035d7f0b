"""pit_site/gunicorn.conf.py: what a production start gets from the environment."""

import runpy

import pytest
from django.conf import settings

CONFIG = settings.BASE_DIR / "pit_site" / "gunicorn.conf.py"
VARIABLES = (
    "PORT", "WEB_CONCURRENCY", "GUNICORN_BIND", "GUNICORN_WORKER_CLASS", "GUNICORN_THREADS",
    "GUNICORN_ACCESS_LOG", "GUNICORN_FORWARDED_ALLOW_IPS",
)  # fmt: skip


@pytest.fixture
def config(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONFIG))

    return load


def test_defaults_serve_on_loopback_with_threaded_workers_and_no_access_log(config):
    conf = config()
    assert conf["bind"] == "127.0.0.1:8000"
    assert (conf["workers"], conf["worker_class"], conf["threads"]) == (2, "gthread", 4)
    assert conf["accesslog"] is None  # the reverse proxy logs requests
    assert conf["forwarded_allow_ips"] == "127.0.0.1"


def test_access_log_is_opt_in_and_never_logs_the_query_string(config):
    assert config(GUNICORN_ACCESS_LOG="-")["accesslog"] == "-"
    # %(U)s is the path alone: a query string can carry a signed enquiry reference.
    assert "%(U)s" in config()["access_log_format"]
    assert "%(r)s" not in config()["access_log_format"]


def test_sync_workers_get_one_thread_so_gunicorn_keeps_them_sync(config):
    conf = config(GUNICORN_WORKER_CLASS="sync", GUNICORN_THREADS="8", PORT="9001")
    assert (conf["worker_class"], conf["threads"]) == ("sync", 1)
    assert conf["bind"] == "127.0.0.1:9001"

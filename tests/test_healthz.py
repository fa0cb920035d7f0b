"""/healthz: load balancers learn whether this app server can serve, and nothing more."""

import pytest

from pit_site import health

pytestmark = pytest.mark.django_db


class Broken:
    """Stands in for the database connection or the cache: every call fails like a real outage."""

    def __init__(self, message):
        self.message = message

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError(self.message)

        return fail


def test_healthy_server_answers_200_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200


def test_database_failure_is_a_503_without_details(client, monkeypatch, caplog):
    broken = Broken("could not connect to server at 10.0.0.9 password=hunter2")
    monkeypatch.setattr(health, "connection", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}
    assert b"hunter2" not in response.content and b"10.0.0.9" not in response.content
    assert "database failed" in caplog.text  # the reason is in the log, for whoever runs it


def test_cache_failure_or_wrong_answer_is_reported_but_the_server_stays_in(client, monkeypatch):
    """Pages are rendered from the database while the cache is down, and every server shares
    the cache: a 503 would only make the load balancer drop every server at once."""
    monkeypatch.setattr(health, "cache", Broken("Error 111 connecting to 127.0.0.1:6379"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}
    assert b"6379" not in response.content

    class Forgetful:  # answers, but loses what it is given
        def set(self, *args, **kwargs):
            pass

        def get(self, *args, **kwargs):
            return None

        def delete(self, *args, **kwargs):
            pass

    monkeypatch.setattr(health, "cache", Forgetful())
    assert client.get("/healthz").json()["status"] == "degraded"


def test_only_safe_methods(client):
    assert client.post("/healthz").status_code == 405


def test_exempt_from_the_https_redirect_unlike_the_pages(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301

"""Sign-in and sign-out land somewhere useful whatever ?next= says, and a bad Host header
is one line in the log, not a traceback."""

import io
import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def staffer():
    return User.objects.create_user("staffer", password="a-Long-correct-password-1", is_staff=True)


def test_an_unsafe_next_on_sign_in_lands_on_the_admin_home(staffer):
    response = Client().post(
        "/admin/login/?next=https://evil.example/",
        {"username": "staffer", "password": "a-Long-correct-password-1",
         "next": "https://evil.example/"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_sign_out_with_an_unsafe_next_lands_on_the_home_page(staffer):
    client = Client()
    sign_in(client, staffer)
    response = client.post("/admin/logout/?next=https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(response["Location"]).status_code == 200


def test_a_bad_host_header_is_one_warning_line_without_a_traceback(client):
    logger = logging.getLogger("django.security.DisallowedHost")
    # The handler settings.LOGGING gives it (pytest may add its own beside it).
    (handler,) = [h for h in logger.handlers if h.filters]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = client.get("/", HTTP_HOST="evil.example")
    finally:
        handler.setStream(old)
    assert response.status_code == 400
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "Invalid HTTP_HOST header: 'evil.example'" in lines[0]
    assert logger.getEffectiveLevel() == logging.WARNING and not logger.propagate

"""Clinic details that reach email headers refuse control characters, and an old bad value
already stored never stops the emails."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from pit_site.clinic.models import Clinic
from pit_site.enquiries.models import Enquiry
from tests.clinic.admin_form import UNCHANGED_TEAM
from tests.conftest import sign_in, soup
from tests.enquiries.test_contact_form import valid

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Riverside Pain Clinic",
    "phone": "020 7946 0018",
    "email": "reception@riverside.example",
    "address": "2 River Road\nTown",
    "opening_hours": "Weekdays 8 to 6",
    "reply_time": "the next working day",
    "notification_emails": "desk@riverside.example\nmanager@riverside.example",
    "emergency_number": "999",
    "urgent_advice": "Call 999 in an emergency.\nOr 111.",
} | UNCHANGED_TEAM


@pytest.fixture
def admin_client():
    client = Client()
    sign_in(client, User.objects.create_superuser("boss", "b@example.com", "x-long-pass-1"))
    return client


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Riverside\nBcc: victim@example.com"),
        ("name", "Riverside\rClinic"),
        ("name", "Riverside\x00Clinic"),
        ("email", "reception@riverside.example\nBcc: x@example.com"),
        ("reply_time", "soon\nBcc: x@example.com"),
        ("phone", "020\n7946"),
        ("emergency_number", "99\t9"),
        ("notification_emails", "desk@riverside.example\x0bBcc:x@example.com"),
        ("address", "2 River Road\x1b[31m"),
    ],
)
def test_the_admin_refuses_control_characters_with_a_clear_message(admin_client, field, value):
    response = admin_client.post("/admin/clinic/clinic/1/change/", {**GOOD, field: value})
    assert response.status_code == 200, "saved"
    errors = soup(response).select(f".field-{field} .errorlist")
    assert errors, response.content.decode()[:2000]
    text = errors[0].get_text()
    assert any(words in text for words in ("line break", "control character", "Null", "email"))
    assert Clinic.objects.get().name == "Example Pain Clinic"


def test_line_breaks_are_still_fine_where_the_text_has_lines(admin_client):
    assert admin_client.post("/admin/clinic/clinic/1/change/", GOOD).status_code == 302


def test_a_bad_name_already_stored_does_not_stop_the_acknowledgement(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ENQUIRY_MIN_SECONDS = 0
    settings.ENQUIRY_RATE_LIMIT = "off"
    # As a value saved before the check existed: straight into the database.
    Clinic.objects.filter(pk=1).update(
        name="Riverside\nBcc: victim@example.com",
        notification_emails="desk@riverside.example, bad\x01@example.com",
    )
    Clinic.load()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/contact/", valid(client)).status_code == 302
    enquiry = Enquiry.objects.get()
    assert not enquiry.notification_pending and enquiry.notify_attempts == 1
    staff, ack = mailoutbox
    assert staff.to == ["desk@riverside.example"]
    assert ack.subject.startswith("Riverside Bcc: victim@example.com: we have your message")
    assert ack.bcc == [] and "\n" not in ack.subject

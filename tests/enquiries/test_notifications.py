"""Mail trouble never loses an enquiry; the retry command sends what was missed, once."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from pit_site.enquiries.models import Enquiry
from tests.enquiries.test_contact_form import valid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_form(settings):
    settings.ENQUIRY_MIN_SECONDS = 0
    settings.ENQUIRY_RATE_LIMIT = "off"


def retry():
    out = StringIO()
    call_command("send_pending_notifications", stdout=out)
    return out.getvalue()


def settle(enquiry):
    """Make the enquiry older than the window the retry command leaves to the request."""
    Enquiry.objects.filter(pk=enquiry.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=2)
    )


def test_mail_server_down_enquiry_saved_patient_confirmed_retry_sends_once(
    client, settings, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.enquiries.failing_mail.DownEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", valid(client))
    assert response.status_code == 302  # the patient still gets the confirmation
    enquiry = Enquiry.objects.get()
    assert enquiry.reference in client.get(response["Location"]).content.decode()
    assert enquiry.notification_pending and enquiry.notify_attempts == 1
    assert f"Enquiry {enquiry.reference}: email not sent (SMTPConnectError)" in caplog.text
    assert "Alex" not in caplog.text and "knee" not in caplog.text.lower()  # no health details

    assert "0 enquiries notified, 0 still pending" in retry()  # too new: left to the request
    settle(enquiry)
    assert "0 enquiries notified, 1 still pending" in retry()  # still down: still pending

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "1 enquiries notified, 0 still pending" in retry()
    assert [m.to for m in mailoutbox] == [["reception@example.com"], ["alex@example.org"]]
    assert "0 enquiries notified, 0 still pending" in retry()  # idempotent
    assert len(mailoutbox) == 2
    enquiry.refresh_from_db()
    assert not enquiry.notification_pending


def test_overlapping_runs_skip(client):
    from django.core.cache import cache

    cache.add("enquiries:notify-lock", "1")
    assert "Another run is in progress" in retry()


def test_no_notification_address_keeps_it_pending(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    from pit_site.clinic.models import Clinic

    clinic = Clinic.load()
    clinic.notification_emails = ""
    clinic.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/contact/", valid(client, email="", preferred_contact="phone"))
    assert not mailoutbox and Enquiry.objects.get().notification_pending

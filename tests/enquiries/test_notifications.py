"""Mail trouble never loses an enquiry; the retry command sends what was missed, once, backing
off from an address that keeps failing, and never twice when runs overlap."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from pit_site.enquiries import notifications, views
from pit_site.enquiries.models import Enquiry
from tests.conftest import make_staff, sign_in, soup
from tests.enquiries.failing_mail import DownEmailBackend, OverlappingRunBackend
from tests.enquiries.test_contact_form import valid

pytestmark = pytest.mark.django_db
DOWN = "tests.enquiries.failing_mail.DownEmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def quick_form(settings):
    settings.ENQUIRY_MIN_SECONDS = 0
    settings.ENQUIRY_RATE_LIMIT = "off"


def retry():
    out = StringIO()
    call_command("send_pending_notifications", stdout=out)
    return out.getvalue()


def wait_over(enquiry):
    """As if the enquiry's back-off (or a claim on it) had run out."""
    Enquiry.objects.filter(pk=enquiry.pk).update(
        notify_after=timezone.now() - datetime.timedelta(seconds=1)
    )


@pytest.fixture
def failed_enquiry(client, settings, django_capture_on_commit_callbacks):
    """An enquiry whose emails failed when it arrived (the mail server is down)."""
    settings.EMAIL_BACKEND = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/contact/", valid(client)).status_code == 302
    return Enquiry.objects.get()


def test_mail_server_down_enquiry_saved_patient_confirmed_retry_sends_once(
    client, settings, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", valid(client))
    assert response.status_code == 302  # the patient still gets the confirmation
    enquiry = Enquiry.objects.get()
    assert enquiry.reference in client.get(response["Location"]).content.decode()
    assert enquiry.notification_pending and enquiry.notify_attempts == 1
    assert f"Enquiry {enquiry.reference}: email not sent (SMTPConnectError)" in caplog.text
    assert "Alex" not in caplog.text and "knee" not in caplog.text.lower()  # no health details

    assert "0 enquiries notified, 1 still pending" in retry()  # waiting a minute first
    assert Enquiry.objects.get().notify_attempts == 1
    wait_over(enquiry)
    assert "0 enquiries notified, 1 still pending" in retry()  # still down: still pending
    assert Enquiry.objects.get().notify_attempts == 2

    settings.EMAIL_BACKEND = LOCMEM
    wait_over(enquiry)
    assert "1 enquiries notified, 0 still pending, 0 given up" in retry()
    assert [m.to for m in mailoutbox] == [["reception@example.com"], ["alex@example.org"]]
    wait_over(enquiry)
    assert "0 enquiries notified, 0 still pending" in retry()  # idempotent
    assert len(mailoutbox) == 2
    enquiry.refresh_from_db()
    assert not enquiry.notification_pending


def test_a_failing_mail_server_holds_up_the_patient_once_and_briefly(
    client, settings, django_capture_on_commit_callbacks
):
    DownEmailBackend.attempts.clear()
    settings.EMAIL_BACKEND, settings.EMAIL_TIMEOUT = DOWN, 10
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/contact/", valid(client)).status_code == 302
    # Two emails are owed, but after the first fails the second is left for the retry, and
    # the mail server gets a short timeout while the patient waits for the confirmation.
    assert DownEmailBackend.attempts == [notifications.REQUEST_TIMEOUT]
    assert notifications.REQUEST_TIMEOUT < settings.EMAIL_TIMEOUT
    enquiry = Enquiry.objects.get()
    assert enquiry.staff_notified_at is None and enquiry.acknowledged_at is None

    wait_over(enquiry)
    retry()
    assert DownEmailBackend.attempts[1:] == [None]  # cron: the full EMAIL_TIMEOUT


def test_an_error_while_notifying_never_reaches_the_patient(
    client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    def broken_template(*args, **kwargs):
        raise LookupError("a template error")

    monkeypatch.setattr(notifications, "render_to_string", broken_template)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", valid(client))
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.reference in client.get(response["Location"]).content.decode()
    assert enquiry.notification_pending and enquiry.notify_after > timezone.now()
    assert f"Enquiry {enquiry.reference}: notification failed (LookupError)" in caplog.text
    assert not mailoutbox


def test_even_a_failure_of_the_whole_send_shows_the_confirmation(
    client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    """The enquiry is committed: whatever goes wrong after that, the patient must not get a 500
    and send it again."""

    def database_gone(enquiry_id, timeout=None):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "send_notifications", database_gone)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", valid(client))
    assert response.status_code == 302 and response["Location"].startswith("/contact/sent/?ref=")
    enquiry = Enquiry.objects.get()
    assert enquiry.reference in soup(client.get(response["Location"])).select_one(".reference").text
    assert enquiry.notification_pending and not mailoutbox
    assert "in on_commit() (database is locked)" in caplog.text  # logged, not shown
    monkeypatch.undo()
    assert "1 enquiries notified" in retry()  # cron picks it up
    assert len(mailoutbox) == 2


def test_a_run_skips_an_enquiry_another_run_has_claimed(failed_enquiry, settings, mailoutbox):
    settings.EMAIL_BACKEND = LOCMEM
    wait_over(failed_enquiry)
    other_run = notifications.claim(failed_enquiry.pk)  # another run, still sending
    assert other_run is not None
    assert notifications.claim(failed_enquiry.pk) is None  # only one claim at a time
    assert "0 enquiries notified, 1 still pending" in retry()
    assert not mailoutbox

    # That run died mid-send. Once its claim is stale, the enquiry is taken over and sent once.
    wait_over(failed_enquiry)
    assert "1 enquiries notified, 0 still pending" in retry()
    assert len(mailoutbox) == 2
    # The dead run waking up late cannot undo the newer run's work.
    notifications._release(other_run, done=False)
    assert "0 enquiries notified, 0 still pending" in retry()
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("first_sender", ["the request", "a cron run"])
def test_a_cron_run_starting_mid_send_sends_nothing_twice(
    client, settings, mailoutbox, django_capture_on_commit_callbacks, first_sender
):
    OverlappingRunBackend.overlapping_runs.clear()
    overlapping = "tests.enquiries.failing_mail.OverlappingRunBackend"
    if first_sender == "the request":
        settings.EMAIL_BACKEND = overlapping
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/contact/", valid(client))
    else:
        settings.EMAIL_BACKEND = DOWN
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/contact/", valid(client))
        wait_over(Enquiry.objects.get())
        settings.EMAIL_BACKEND = overlapping
        assert "1 enquiries notified, 0 still pending" in retry()
    [second_run] = OverlappingRunBackend.overlapping_runs
    assert "0 enquiries notified, 1 still pending" in second_run.getvalue()
    assert [m.to for m in mailoutbox] == [["reception@example.com"], ["alex@example.org"]]
    assert not Enquiry.objects.get().notification_pending


def test_retries_back_off_from_a_minute_to_hourly(failed_enquiry):
    def wait_minutes():
        enquiry = Enquiry.objects.get()
        return (enquiry.notify_after - before) // datetime.timedelta(minutes=1)

    before = timezone.now() - datetime.timedelta(seconds=5)  # the request's own attempt
    assert wait_minutes() == 1
    waits = []
    for _ in range(8):
        wait_over(failed_enquiry)
        before = timezone.now()
        retry()
        waits.append(wait_minutes())
        assert "0 enquiries notified" in retry()  # nothing is tried while it waits
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    assert Enquiry.objects.get().notify_attempts == 9


def test_gives_up_after_the_last_attempt_logging_only_the_reference(
    failed_enquiry, caplog, settings
):
    Enquiry.objects.filter(pk=failed_enquiry.pk).update(
        notify_attempts=notifications.MAX_ATTEMPTS - 1
    )
    wait_over(failed_enquiry)
    assert "0 enquiries notified, 0 still pending, 1 given up" in retry()
    expected = f"Enquiry {failed_enquiry.reference}: gave up emailing after 30 attempts"
    assert expected in caplog.text
    assert "Alex" not in caplog.text and "alex@" not in caplog.text

    settings.EMAIL_BACKEND = LOCMEM
    wait_over(failed_enquiry)
    caplog.clear()
    assert "0 enquiries notified, 0 still pending, 1 given up" in retry()  # no more tries
    assert Enquiry.objects.get().notify_attempts == notifications.MAX_ATTEMPTS
    assert not caplog.text

    desk = Client()
    sign_in(desk, make_staff("rosa", "reception"))
    page = desk.get(f"/admin/enquiries/enquiry/{failed_enquiry.pk}/change/")
    assert "Not sent: gave up after 30 attempts." in page.content.decode()


def test_an_enquiry_deleted_before_its_emails_is_skipped(failed_enquiry, settings, mailoutbox):
    settings.EMAIL_BACKEND = LOCMEM
    Enquiry.objects.all().delete()
    assert notifications.send_notifications(failed_enquiry.pk) == notifications.SKIPPED
    assert not mailoutbox


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

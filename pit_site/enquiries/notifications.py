"""Emails about enquiries, sent only after the enquiry is safely stored.

Staff get the reference, the kind of enquiry and a link to it in the admin. The patient (if
they gave an email address) gets the reference and next steps. Neither email contains the
patient's name, condition or message, and nothing about them is logged but the reference.
A failed or slow mail server leaves the enquiry marked as pending, and
``send_pending_notifications`` (cron, every minute) sends it later, backing off after each
failure and giving up after MAX_ATTEMPTS. The attempt made while the patient waits for the
confirmation page is short: it gives the mail server REQUEST_TIMEOUT seconds, not
EMAIL_TIMEOUT, and stops at the first mail failure instead of trying the next email.

Every sender (the request that stored the enquiry, and each cron run) first claims the
enquiry with one conditional UPDATE, so two senders never send the same email, whichever
database and however the runs overlap.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pit_site.clinic.models import Clinic, header_safe

from .models import Enquiry

logger = logging.getLogger(__name__)

# A claim older than this belongs to a sender that died; each attempt sends at most two
# emails, each bounded by EMAIL_TIMEOUT, so a live sender finishes well within it.
CLAIM_SECONDS = 600
# About a day of retries: after 1, 2, 4 ... minutes, then hourly.
MAX_ATTEMPTS = 30
MAX_DELAY_MINUTES = 60

# Seconds the mail server gets while a patient waits for the confirmation page; cron's retries
# give it settings.EMAIL_TIMEOUT.
REQUEST_TIMEOUT = 3

SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


def retry_delay(attempts):
    """How long to wait after the attempts-th failed attempt."""
    return datetime.timedelta(minutes=min(2 ** (attempts - 1), MAX_DELAY_MINUTES))


def pending():
    """Enquiries with an email still to send, including those given up on."""
    return Enquiry.objects.filter(
        Q(staff_notification_due=True, staff_notified_at__isnull=True)
        | Q(acknowledgement_due=True, acknowledged_at__isnull=True),
        anonymised_at__isnull=True,
    )


def due(now):
    """Pending enquiries that no sender holds, not backing off, and not given up on."""
    return pending().filter(
        Q(notify_after__isnull=True) | Q(notify_after__lte=now),
        notify_attempts__lt=MAX_ATTEMPTS,
    )


def claim(enquiry_id):
    """Take the enquiry for this sender: the enquiry, or None if it is not due or another
    sender has it. Of two senders that race for it, the conditional UPDATE lets one win."""
    now = timezone.now()
    attempts = due(now).filter(pk=enquiry_id).values_list("notify_attempts", flat=True).first()
    if attempts is None:
        return None
    won = (
        due(now)
        .filter(pk=enquiry_id, notify_attempts=attempts)
        .update(
            notify_attempts=attempts + 1,
            notify_after=now + datetime.timedelta(seconds=CLAIM_SECONDS),
        )
    )
    return Enquiry.objects.get(pk=enquiry_id) if won else None


def send_notifications(enquiry_id, timeout=None):
    """Claim the enquiry and send whatever has not been sent for it, giving the mail server
    ``timeout`` seconds (settings.EMAIL_TIMEOUT when None).

    SENT if nothing is left pending, FAILED if something will be retried (or was given up
    on), SKIPPED if it was not due or another sender holds it.
    """
    enquiry = claim(enquiry_id)
    if enquiry is None:
        return SKIPPED
    try:
        done = _send_all(enquiry, get_connection(timeout=timeout))
    except Exception as error:  # a template or database error: keep it pending
        logger.warning(
            "Enquiry %s: notification failed (%s); it will be retried",
            enquiry.reference,
            error.__class__.__name__,
        )
        done = False
    _release(enquiry, done)
    return SENT if done else FAILED


def _send_all(enquiry, connection):
    clinic = Clinic.load()
    done = True
    for due, sent_field, message in (
        (enquiry.staff_notification_due, "staff_notified_at", _staff_email),
        (enquiry.acknowledgement_due, "acknowledged_at", _acknowledgement),
    ):
        if not due or getattr(enquiry, sent_field) is not None:
            continue
        outcome = _send(enquiry, sent_field, message(enquiry, clinic), connection)
        if outcome == FAILED:
            # The mail server is down or slow: the next email would only fail or wait too.
            return False
        done &= outcome == SENT
    return done


def _release(enquiry, done):
    """End this sender's claim: done, or back off before the next attempt, or give up."""
    attempts = enquiry.notify_attempts
    if done:
        after = None
    elif attempts >= MAX_ATTEMPTS:
        logger.warning(
            "Enquiry %s: gave up emailing after %d attempts", enquiry.reference, attempts
        )
        after = None
    else:
        after = timezone.now() + retry_delay(attempts)
    # Only while the claim is still ours: a newer claim (after this one went stale) stands.
    Enquiry.objects.filter(pk=enquiry.pk, notify_attempts=attempts).update(notify_after=after)


def _send(enquiry, sent_field, message, connection):
    """SENT, FAILED (the mail server failed) or SKIPPED (no one to send it to)."""
    subject, body, recipients = message
    if not recipients:
        logger.warning("Enquiry %s: no notification address is set", enquiry.reference)
        return SKIPPED
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, connection=connection)
    except Exception as error:  # any mail failure: keep it pending, try again later
        logger.warning(
            "Enquiry %s: email not sent (%s); it will be retried",
            enquiry.reference,
            error.__class__.__name__,
        )
        return FAILED
    # Only if not yet recorded: a sender whose claim went stale may finish late.
    Enquiry.objects.filter(pk=enquiry.pk, **{f"{sent_field}__isnull": True}).update(
        **{sent_field: timezone.now()}
    )
    return SENT


def _staff_email(enquiry, clinic):
    context = {
        "enquiry": enquiry,
        "clinic": clinic,
        "admin_url": settings.SITE_URL
        + reverse("admin:enquiries_enquiry_change", args=[enquiry.pk]),
    }
    subject = f"New enquiry {enquiry.reference}: {enquiry.get_kind_display()}"
    body = render_to_string("enquiries/email/staff.txt", context)
    return subject, body, clinic.valid_notification_addresses


def _acknowledgement(enquiry, clinic):
    # header_safe: a line break in a name saved before the checks would make every send fail.
    subject = f"{header_safe(clinic.name)}: we have your message ({enquiry.reference})"
    body = render_to_string(
        "enquiries/email/acknowledgement.txt", {"enquiry": enquiry, "clinic": clinic}
    )
    return subject, body, [enquiry.email]

"""Emails about enquiries, sent only after the enquiry is safely stored.

Staff get the reference, the kind of enquiry and a link to it in the admin. The patient (if
they gave an email address) gets the reference and next steps. Neither email contains the
patient's name, condition or message, and nothing about them is logged but the reference.
A failed or slow mail server leaves the enquiry marked as pending, and
``send_pending_notifications`` (cron, every minute) sends it later.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pit_site.clinic.models import Clinic

from .models import Enquiry

logger = logging.getLogger(__name__)


def pending():
    return Enquiry.objects.filter(
        Q(staff_notified_at__isnull=True)
        | Q(acknowledgement_due=True, acknowledged_at__isnull=True),
        anonymised_at__isnull=True,
    )


def send_notifications(enquiry_id):
    """Send whatever has not been sent for this enquiry. True if nothing is left pending."""
    enquiry = Enquiry.objects.get(pk=enquiry_id)
    clinic = Clinic.load()
    Enquiry.objects.filter(pk=enquiry.pk).update(notify_attempts=F("notify_attempts") + 1)
    done = True
    if enquiry.staff_notified_at is None:
        done &= _send(enquiry, "staff_notified_at", _staff_email(enquiry, clinic))
    if enquiry.acknowledgement_due and enquiry.acknowledged_at is None:
        done &= _send(enquiry, "acknowledged_at", _acknowledgement(enquiry, clinic))
    return done


def _send(enquiry, sent_field, message):
    subject, body, recipients = message
    if not recipients:
        logger.warning("Enquiry %s: no notification address is set", enquiry.reference)
        return False
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as error:  # any mail failure: keep it pending, try again later
        logger.warning(
            "Enquiry %s: email not sent (%s); it will be retried",
            enquiry.reference,
            error.__class__.__name__,
        )
        return False
    # Only the first sender records it, so two overlapping runs cannot both count it.
    Enquiry.objects.filter(pk=enquiry.pk, **{f"{sent_field}__isnull": True}).update(
        **{sent_field: timezone.now()}
    )
    return True


def _staff_email(enquiry, clinic):
    context = {
        "enquiry": enquiry,
        "clinic": clinic,
        "admin_url": settings.SITE_URL
        + reverse("admin:enquiries_enquiry_change", args=[enquiry.pk]),
    }
    subject = f"New enquiry {enquiry.reference}: {enquiry.get_kind_display()}"
    body = render_to_string("enquiries/email/staff.txt", context)
    return subject, body, clinic.notification_address_list


def _acknowledgement(enquiry, clinic):
    subject = f"{clinic.name}: we have your message ({enquiry.reference})"
    body = render_to_string(
        "enquiries/email/acknowledgement.txt", {"enquiry": enquiry, "clinic": clinic}
    )
    return subject, body, [enquiry.email]

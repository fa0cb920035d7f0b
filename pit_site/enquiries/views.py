import logging
import time

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from pit_site.clinic.models import Clinic
from pit_site.pagecache import content_version
from pit_site.pages.models import Page

from .forms import EnquiryForm, shown_token
from .models import Enquiry, RefusedEnquiries
from .notifications import REQUEST_TIMEOUT, send_notifications

logger = logging.getLogger(__name__)
REFERENCE_SALT = "enquiries.sent"
RATE_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
# The empty contact page is the same for every visitor but for its CSRF token and its signed
# "shown" time. Each process renders it once per content version with these two slots and
# fills them in per request: that rendering was nearly all of the page's time. Nothing about
# a visitor is kept.
CSRF_SLOT = "pit-slot-csrf-token"
SHOWN_SLOT = "pit-slot-form-shown"
# As the page cache: another process's edit shows within a second. This process's own writes
# drop the copy at once (forget_blank_page).
VERSION_CHECK_SECONDS = 1.0
_blank = {}  # "html" with the slots, the content "version" it was made for, when "checked"
TOO_MANY = (
    "We have had a lot of messages from your internet connection recently, so this one was not "
    "saved. Please phone us on {phone}, or try again later."
)


def privacy_version():
    """Which privacy notice the patient agreed to: its last change, as a short fingerprint."""
    notice = Page.objects.published().filter(path="privacy").first()
    if notice is None:
        return "none"
    return f"{notice.updated_at:%Y-%m-%d}-{notice.content_hash()[:8]}"


def over_rate_limit(request):
    """Whether this address has sent more than ENQUIRY_RATE_LIMIT allows (flag as spam)."""
    return _over_limit(request, "enquiry", settings.ENQUIRY_RATE_LIMIT)


def over_store_limit(request):
    """Whether this address has sent more than ENQUIRY_STORE_LIMIT allows (refuse)."""
    return _over_limit(request, "enquiry-store", settings.ENQUIRY_STORE_LIMIT)


def _over_limit(request, group, rate):
    """Counts this post against the address's limit and says whether it is over.

    Fails open: if the shared cache is down or the client's address cannot be read, the
    enquiry is accepted. A lost enquiry is worse than an unchecked one.
    """
    if rate == "off":
        return False
    try:
        return is_ratelimited(request, group=group, key="ip", rate=rate, increment=True)
    except Exception as error:
        logger.warning(
            "Contact form: rate limit not checked (%s); enquiry accepted",
            error.__class__.__name__,
        )
        return False


def rate_limit_reason():
    """ "5/h" -> "More than 5 enquiries from one address in an hour." """
    count, period = settings.ENQUIRY_RATE_LIMIT.split("/")
    number, unit = period[:-1], RATE_UNITS[period[-1]]
    if number in ("", "1"):
        span = ("an " if unit == "hour" else "a ") + unit
    else:
        span = f"{number} {unit}s"
    return f"More than {count} enquiries from one address in {span}."


def posted_data(request):
    """The form as sent.

    Django reads a form body that is not valid UTF-8 as Latin-1, which garbles every field
    ("José" becomes "JosÃ©"). Read it as UTF-8 instead, so only the broken characters are lost,
    and the form asks for the fields that hold them again.
    """
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            request.body.decode()
        except UnicodeDecodeError:
            return QueryDict(request.body.decode(errors="replace"))
    return request.POST


@sensitive_post_parameters()
@require_http_methods(["GET", "HEAD", "POST"])
def contact(request):
    status = 200
    if request.method == "POST":
        form = EnquiryForm(posted_data(request))
        if form.filled_honeypot:
            logger.info("Contact form: a bot filled the hidden field; nothing stored")
            return redirect("enquiries:sent")
        if form.is_valid() and over_store_limit(request):
            # A flood from one address: counted for staff, not stored, and said plainly.
            RefusedEnquiries.count_one()
            logger.info("Contact form: address over ENQUIRY_STORE_LIMIT; not stored")
            form.add_error(None, TOO_MANY.format(phone=Clinic.load().phone))
            status = 429
        elif form.is_valid():
            enquiry = store(form, rate_limited=over_rate_limit(request))
            token = signing.dumps(enquiry.reference, salt=REFERENCE_SALT)
            return redirect(f"{reverse('enquiries:sent')}?ref={token}")
    else:
        # The blank page needs no query, but a form that cannot be sent must not be offered:
        # with the database down this raises, and the outage middleware answers 503. A cursor,
        # not ensure_connection(): a kept connection the server has dropped only shows up in
        # the health check (one SELECT 1) that taking a cursor runs.
        connection.cursor().close()
        html = blank_contact_page(request)
        html = html.replace(CSRF_SLOT, get_token(request)).replace(SHOWN_SLOT, shown_token())
        return HttpResponse(html)
    context = {"form": form, "page": contact_page()}
    return render(request, "enquiries/contact.html", context, status=status)


def contact_page():
    return Page.objects.published().filter(path="contact").first()


def blank_contact_page(request):
    """The empty form's page with CSRF_SLOT and SHOWN_SLOT, rendered once per content version."""
    now = time.monotonic()
    if now - _blank.get("checked", -VERSION_CHECK_SECONDS) >= VERSION_CHECK_SECONDS:
        version = content_version()
        if version != _blank.get("version"):
            _blank.pop("html", None)
        _blank.update(version=version, checked=now)
    html = _blank.get("html")
    if html is None:
        form = EnquiryForm()
        form.initial["shown"] = SHOWN_SLOT
        context = {"form": form, "page": contact_page(), "csrf_token": CSRF_SLOT}
        html = _blank["html"] = render_to_string("enquiries/contact.html", context, request)
    return html


@receiver([post_save, post_delete], dispatch_uid="enquiries.forget_blank_page")
def forget_blank_page(**_signal_kwargs):
    """Drop this process's copy after any write here (a page, the clinic's details...), without
    a list of which models show on the page; also when the shared cache starts afresh."""
    _blank.clear()


def store(form, rate_limited=False):
    """Commit the enquiry first; emails go out only once it is safely stored.

    Suspected spam is stored for a person to judge, but nobody is emailed about it: not the
    patient (a forged address would make the clinic send mail to a stranger), nor staff (a
    flood would bury the real enquiries); reception finds it in the list, flagged.
    """
    reasons = [form.spam_suspicion()]
    if rate_limited:
        reasons.append(rate_limit_reason())
    with transaction.atomic():
        enquiry = form.save(commit=False)
        enquiry.consent_at = timezone.now()
        enquiry.privacy_version = privacy_version()
        enquiry.suspected_spam = " ".join(reason for reason in reasons if reason)
        enquiry.staff_notification_due = not enquiry.suspected_spam
        enquiry.acknowledgement_due = (
            bool(enquiry.email) and settings.ENQUIRY_ACKNOWLEDGE and not enquiry.suspected_spam
        )
        enquiry.save()
        if enquiry.notification_pending:
            pk = enquiry.pk
            # robust: a failure while notifying is logged, never shown to the patient, and
            # leaves the notification pending for send_pending_notifications.
            transaction.on_commit(
                lambda: send_notifications(pk, timeout=REQUEST_TIMEOUT), robust=True
            )
    return enquiry


@require_safe
def sent(request):
    try:
        reference = signing.loads(request.GET.get("ref", ""), salt=REFERENCE_SALT)
    except signing.BadSignature:
        reference = None
    # Promise an email only when one is on its way.
    emailing = bool(
        reference and Enquiry.objects.filter(reference=reference, acknowledgement_due=True).exists()
    )
    return render(request, "enquiries/sent.html", {"reference": reference, "emailing": emailing})

import logging
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from pit_site.pages.models import Page

from .forms import EnquiryForm
from .notifications import send_notifications

logger = logging.getLogger(__name__)
REFERENCE_SALT = "enquiries.sent"


def privacy_version():
    """Which privacy notice the patient agreed to: its last change, as a short fingerprint."""
    notice = Page.objects.published().filter(path="privacy").first()
    if notice is None:
        return "none"
    return f"{notice.updated_at:%Y-%m-%d}-{notice.content_hash()[:8]}"


def over_rate_limit(request):
    if settings.ENQUIRY_RATE_LIMIT == "off":
        return False
    return is_ratelimited(
        request, group="enquiry", key="ip", rate=settings.ENQUIRY_RATE_LIMIT, increment=True
    )


@require_http_methods(["GET", "HEAD", "POST"])
def contact(request):
    status = 200
    if request.method == "POST":
        form = EnquiryForm(request.POST)
        if form.filled_honeypot:
            logger.info("Contact form: a bot filled the hidden field; nothing stored")
            return redirect("enquiries:sent")
        if form.is_valid():
            if not over_rate_limit(request):
                enquiry = store(form)
                token = signing.dumps(enquiry.reference, salt=REFERENCE_SALT)
                return redirect(f"{reverse('enquiries:sent')}?ref={token}")
            form.add_error(
                None,
                "You have sent several messages in a short time, so this one was not sent. "
                "Please wait an hour, or phone us.",
            )
            status = 429
    else:
        form = EnquiryForm()
    page = Page.objects.published().filter(path="contact").first()
    return render(request, "enquiries/contact.html", {"form": form, "page": page}, status=status)


def store(form):
    """Commit the enquiry first; emails go out only once it is safely stored."""
    with transaction.atomic():
        enquiry = form.save(commit=False)
        enquiry.consent_at = timezone.now()
        enquiry.privacy_version = privacy_version()
        enquiry.suspected_spam = form.spam_suspicion()
        enquiry.acknowledgement_due = bool(enquiry.email) and settings.ENQUIRY_ACKNOWLEDGE
        enquiry.save()
        # robust: a failure while notifying is logged, never shown to the patient
        transaction.on_commit(partial(send_notifications, enquiry.pk), robust=True)
    return enquiry


@require_safe
def sent(request):
    try:
        reference = signing.loads(request.GET.get("ref", ""), salt=REFERENCE_SALT)
    except signing.BadSignature:
        reference = None
    return render(request, "enquiries/sent.html", {"reference": reference})

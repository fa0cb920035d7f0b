"""'Was this page helpful?': two small POST forms that work on cached pages.

A cached page cannot carry a per-visitor CSRF token, so these views are CSRF-exempt. That is
safe here because CSRF protects what a visitor's cookies let a request do, and these views
use no cookie, session or sign-in: a forged request can do only what anyone can do directly,
add one anonymous answer. Against that, the views refuse requests a browser marks as sent from
another site (Origin or Sec-Fetch-Site), limit answers per address in the shared cache (like
enquiries), and store no personal data. See docs/decisions/0016-feedback-without-csrf-token.md.
"""

import logging

from django.core import signing
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from pit_site.pages.models import Page

from .models import MAX_COMMENT, Feedback, scrub

logger = logging.getLogger(__name__)
RATE = "20/h"  # answers from one address: far more than one person reading pages gives
SALT = "feedback-comment"
COMMENT_SECONDS = 3600  # how long the "what was missing?" form stays valid


def _answer(request, template, context, status=200):
    response = render(request, template, context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _problem(request, message, status=400, page=None):
    return _answer(request, "feedback/problem.html", {"message": message, "page": page}, status)


def _from_another_site(request):
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    return bool(origin) and origin != f"{request.scheme}://{request.get_host()}"


def _over_rate_limit(request):
    try:
        return is_ratelimited(request, group="feedback", key="ip", rate=RATE, increment=True)
    except Exception as error:  # the cache is down: accept, as the contact form does
        logger.warning("Feedback: rate limit not checked (%s)", error.__class__.__name__)
        return False


def _checks(request):
    if _from_another_site(request):
        return _problem(
            request, "This answer was sent from another website, so we ignored it.", 403
        )
    if _over_rate_limit(request):
        return _problem(
            request,
            "We have had a lot of answers from your connection. Please try again later.",
            429,
        )
    return None


@csrf_exempt
@require_POST
def vote(request):
    refused = _checks(request)
    if refused:
        return refused
    answer = request.POST.get("helpful")
    page_id = request.POST.get("page", "")
    readable = page_id.isascii() and page_id.isdigit() and len(page_id) < 10
    page = Page.objects.published().filter(pk=int(page_id)).first() if readable else None
    if page is None or answer not in ("yes", "no"):
        return _problem(
            request, "We could not read your answer. Please go back and choose Yes or No."
        )
    feedback = Feedback.objects.create(page=page, helpful=answer == "yes")
    if feedback.helpful:
        return _answer(request, "feedback/thanks.html", {"page": page})
    token = signing.dumps(feedback.pk, salt=SALT)
    return _answer(
        request, "feedback/more.html", {"page": page, "token": token, "max_comment": MAX_COMMENT}
    )


@csrf_exempt
@require_POST
def comment(request):
    refused = _checks(request)
    if refused:
        return refused
    try:
        pk = signing.loads(request.POST.get("token", ""), salt=SALT, max_age=COMMENT_SECONDS)
    except signing.BadSignature:
        return _problem(
            request, "This form has expired. Thank you: your answer was saved without a comment."
        )
    feedback = Feedback.objects.filter(pk=pk, comment="").select_related("page").first()
    if feedback is None:
        return _problem(request, "We already have your comment. Thank you.")
    feedback.comment = scrub(request.POST.get("comment", ""))
    if feedback.comment:
        feedback.save(update_fields=["comment"])
    return _answer(request, "feedback/thanks.html", {"page": feedback.page})

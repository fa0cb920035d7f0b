"""Staff sessions: the second factor, the idle time-out and "sign out everywhere".

A user who has given only their password is not yet signed in as far as the site goes: in the
admin they are sent to the second step (or, at first sign-in, to set up a second factor), and
anywhere else (the editor's preview and upload, draft pages) they count as anonymous.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from pit_site.audit.models import current_actor

LAST_SEEN = "staff_last_seen"
SIGNED_IN_AT = "staff_signed_in_at"
# Write the session at most this often just to note activity.
TOUCH_SECONDS = 30
# Reachable with the password alone: the second step, setting one up, and signing out.
OPEN_NAMESPACES = {"accounts", "otp_webauthn"}
OPEN_VIEWS = {"admin:login", "admin:logout"}


def login_url(next_path):
    return reverse("admin:login") + "?" + urlencode({"next": next_path})


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self.session_over(request):
            logout(request)
            if request.path_info.startswith("/" + settings.ADMIN_PATH):
                return redirect(login_url(request.get_full_path()))
        token = current_actor.set(request.user if request.user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)

    def session_over(self, request):
        """True (with a message) if the session has been idle too long or was ended elsewhere."""
        from .models import SignOutEverywhere

        session, now = request.session, time.time()
        last_seen = session.get(LAST_SEEN, now)
        if now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
            messages.info(
                request,
                f"You were signed out after {settings.STAFF_IDLE_MINUTES} minutes without "
                "activity. Sign in again to carry on.",
            )
            return True
        cutoff = SignOutEverywhere.objects.filter(user=request.user).values_list("at", flat=True)
        cutoff = cutoff.first()
        if cutoff and session.get(SIGNED_IN_AT, 0) < cutoff.timestamp():
            return True
        if now - last_seen >= TOUCH_SECONDS or LAST_SEEN not in session:
            session[LAST_SEEN] = now
        return False

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match.namespace in OPEN_NAMESPACES or match.view_name in OPEN_VIEWS:
            return None
        if request.path_info.startswith("/" + settings.ADMIN_PATH):
            return redirect(
                reverse("accounts:second-step") + "?" + urlencode({"next": request.get_full_path()})
            )
        request.user = AnonymousUser()  # elsewhere a password alone counts for nothing
        return None

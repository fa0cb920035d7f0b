"""Staff sign-in: django-axes' lockout, with one password check at a time per account and address.

axes reads the failure count, the password is checked, then the failure is recorded: three
steps, so simultaneous attempts all passed the check before any failure was counted (8 at once
after 4 failures let a guess in every time, against a limit of 5). Here every password check
for one user name from one address (axes' lockout key) runs alone, under a lock taken with the
shared cache's atomic ``add``, which holds across threads, worker processes and app servers,
on SQLite (the cache is a database table) and on PostgreSQL + Redis alike. The lock is held only
while a password is checked; attempts refused by the lockout take it for an instant.

The admin's password change form checks the old password the same way, through
``authenticate``, so wrong old passwords count towards the same lockout.

If the cache is down, attempts go on unserialised (axes still counts them) rather than locking
every member of staff out.
"""

import hashlib
import logging
import secrets
import time
from contextlib import contextmanager

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import authenticate
from django.contrib.auth.views import PasswordChangeView
from django.core.cache import cache
from django.urls import reverse

from pit_site.security import client_ip

logger = logging.getLogger(__name__)

# A lock left by a process that died frees itself after LOCK_SECONDS: longer than any one
# check, even on a loaded machine, so a slow check never lets the next one in beside it.
LOCK_SECONDS = 120
WAIT_SECONDS = 25  # waiting for those before it; under the proxy's 30 s read timeout
POLL_SECONDS = 0.05
BUSY = "Another sign-in to this account is being checked. Wait a moment, then try again."


class Busy(Exception):
    pass


@contextmanager
def one_check_at_a_time(request, username):
    """Run the block alone among attempts for this user name from this address."""
    name = f"{username.casefold()}\n{client_ip(request)}"
    key = "sign-in-lock:" + hashlib.sha256(name.encode()).hexdigest()
    token = secrets.token_hex(8)
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while not cache.add(key, token, LOCK_SECONDS):
            if not getattr(cache, "available", True):  # the fail-soft cache's add gave up
                raise ConnectionError("the cache is unavailable")
            if time.monotonic() > deadline:
                raise Busy
            time.sleep(POLL_SECONDS)
    except Busy:
        raise
    except Exception as error:  # the cache is down: axes still counts, unserialised
        logger.warning("Sign-in not serialised (%s)", error.__class__.__name__)
        yield
        return
    try:
        yield
    finally:
        try:
            if cache.get(key) == token:  # not one taken over after ours expired
                cache.delete(key)
        except Exception as error:
            logger.warning("Sign-in lock not released (%s)", error.__class__.__name__)


class SignInForm(AdminAuthenticationForm):
    def clean(self):
        try:
            with one_check_at_a_time(self.request, self.cleaned_data.get("username") or ""):
                return super().clean()
        except Busy:
            raise forms.ValidationError(BUSY, code="busy") from None


class ThrottledPasswordChangeForm(AdminPasswordChangeForm):
    """The old password is checked as a sign-in: wrong ones count towards the lockout."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        username = self.user.get_username()
        try:
            with one_check_at_a_time(self.request, username):
                checked = authenticate(self.request, username=username, password=old_password)
        except Busy:
            raise forms.ValidationError(BUSY, code="busy") from None
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class ClinicAdminSite(admin.AdminSite):
    login_form = SignInForm

    def password_change(self, request, extra_context=None):
        request.current_app = self.name
        return ThrottledPasswordChangeView.as_view(
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)

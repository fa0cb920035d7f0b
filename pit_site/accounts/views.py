"""The second step of signing in, setting up second factors, and managing your own.

Flow: password (the admin's login page) -> second step (passkey, authenticator app code or a
recovery code) -> the admin. At first sign-in there is no factor yet, so the second step sends
the user to set one up, then shows their recovery codes once.
"""

import base64
import secrets

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import views as webauthn_views

from pit_site.audit.models import Action, record
from pit_site.security import client_ip

from . import factors
from .forms import CodeForm
from .models import SignOutEverywhere

TOTP_SETUP_KEY = "totp_setup_key"
FRESH_CODES = "fresh_recovery_codes"


def page(request, template, context):
    """render() with the admin's header (user links, site name) like every admin page."""
    return render(request, template, {**admin.site.each_context(request), **context})


def next_url(request):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def with_next(name, request):
    target = request.POST.get("next") or request.GET.get("next")
    return reverse(name) + ("?" + urlencode({"next": target}) if target else "")


def staff_required(view):
    """Signed in (with a password at least) as active staff; anyone else goes to the login."""

    @login_required(login_url="admin:login")
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            return redirect("admin:login")
        return view(request, *args, **kwargs)

    return wrapped


def verified_required(view):
    """Signed in with both steps; otherwise off to the second step."""

    @staff_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_verified():
            return redirect(with_next("accounts:second-step", request))
        return view(request, *args, **kwargs)

    return wrapped


def may_add_factor(user):
    """At first sign-in (no factor yet) or once fully signed in."""
    return user.is_verified() or not factors.has_main_factor(user)


def axes_credentials(user):
    return {"username": user.get_username(), "second_step": True}


def second_step_passed(request, device):
    """Record a passed second step and clear sign-in failures for this user and address."""
    record(Action.SECOND_STEP, request=request, detail=type(device).__name__)
    axes_reset(ip=client_ip(request), username=request.user.get_username())


def locked_out(request):
    credentials = axes_credentials(request.user)
    if not AxesProxyHandler.is_locked(request, credentials):
        return None
    logout(request)
    return get_lockout_response(request, credentials)


@staff_required
def second_step(request):
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    if not factors.has_main_factor(user):
        return redirect(with_next("accounts:setup", request))
    refused = locked_out(request)
    if refused:
        return refused
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = match_token(user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                second_step_passed(request, device)
            else:
                record(Action.SECOND_STEP_FAILED, request=request)
        if device is not None:
            if isinstance(device, StaticDevice):
                left = factors.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code: {left} left. If you have lost your passkey or "
                    "phone, remove it and set up a new one under “Sign-in security”.",
                )
            return redirect(next_url(request))
        user_login_failed.send(__name__, credentials=axes_credentials(user), request=request)
        refused = locked_out(request)
        if refused:
            return refused
        form.add_error("code", "That code did not work. Check it and try again.")
    passkeys = factors.KINDS["passkey"].objects.filter(user=user, confirmed=True).exists()
    apps = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return page(
        request,
        "accounts/second_step.html",
        {"title": "Second step", "form": form, "has_passkey": passkeys, "has_app": apps,
         "next": next_url(request)},
    )  # fmt: skip


@staff_required
def setup(request):
    if not may_add_factor(request.user):
        return redirect(with_next("accounts:second-step", request))
    first = not factors.has_main_factor(request.user)
    return page(
        request,
        "accounts/setup.html",
        {"title": "Set up a second factor" if first else "Add a second factor", "first": first},
    )


def _totp_key(request):
    key = request.session.get(TOTP_SETUP_KEY)
    if not key:
        key = request.session[TOTP_SETUP_KEY] = secrets.token_hex(20)
    return key


def _totp_qr(user, key_hex):
    device = TOTPDevice(user=user, key=key_hex, name="")
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@staff_required
def setup_app(request):
    user = request.user
    if not may_add_factor(user):
        return redirect("accounts:second-step")
    key = _totp_key(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6, drift=0)
        code = form.cleaned_data["code"]
        if code.isdigit() and totp.verify(int(code), tolerance=1):
            with transaction.atomic():
                device = TOTPDevice.objects.create(
                    user=user, key=key, name="Authenticator app", confirmed=True,
                    last_t=totp.t(),
                )  # fmt: skip
                record(Action.FACTOR_ADDED, request=request, subject=user.get_username(),
                       detail="authenticator app")  # fmt: skip
                first = not user.is_verified()
                if first:
                    otp_login(request, device)
                    second_step_passed(request, device)
            del request.session[TOTP_SETUP_KEY]
            return after_new_factor(request)
        form.add_error(
            "code",
            "That code did not match. Check the app shows this site, then type its newest code.",
        )
    secret = base64.b32encode(bytes.fromhex(key)).decode()
    return page(
        request,
        "accounts/setup_app.html",
        {"title": "Set up an authenticator app", "form": form, "qr": _totp_qr(user, key),
         "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))},
    )  # fmt: skip


@staff_required
def setup_passkey(request):
    if not may_add_factor(request.user):
        return redirect("accounts:second-step")
    return page(
        request,
        "accounts/setup_passkey.html",
        {"title": "Set up a passkey or security key", "done_url": reverse("accounts:added")},
    )


@verified_required
def added(request):
    """Where the passkey page goes once the browser has registered one."""
    return after_new_factor(request)


def after_new_factor(request):
    messages.success(request, "Your new second factor is ready.")
    if not StaticDevice.objects.filter(user=request.user).exists():
        request.session[FRESH_CODES] = factors.new_recovery_codes(request, request.user)
        return redirect("accounts:recovery-codes")
    return redirect("accounts:security")


@verified_required
def recovery_codes(request):
    if request.method == "POST":
        request.session[FRESH_CODES] = factors.new_recovery_codes(request, request.user)
        return redirect("accounts:recovery-codes")
    codes = request.session.pop(FRESH_CODES, None)
    return page(
        request,
        "accounts/recovery_codes.html",
        {"title": "Recovery codes", "codes": codes,
         "left": factors.recovery_codes_left(request.user)},
    )  # fmt: skip


@verified_required
def security(request):
    user = request.user
    own = [(kind, dev, factors.describe(kind, dev)) for kind, dev in factors.main_factors(user)]
    return page(
        request,
        "accounts/security.html",
        {"title": "Sign-in security", "factors": own, "can_remove": len(own) > 1,
         "codes_left": factors.recovery_codes_left(user),
         "idle_minutes": settings.STAFF_IDLE_MINUTES},
    )  # fmt: skip


@require_POST
@verified_required
def remove(request, kind, pk):
    model = factors.KINDS.get(kind)
    if model is None:
        return redirect("accounts:security")
    device = get_object_or_404(model, pk=pk, user=request.user)
    with transaction.atomic():
        # Lock the user's row so two removals at once cannot take away the last factor.
        get_user_model().objects.select_for_update().get(pk=request.user.pk)
        if len(factors.main_factors(request.user)) <= 1:
            messages.error(
                request,
                "This is your only passkey or authenticator app. Add another before removing it.",
            )
            return redirect("accounts:security")
        name = factors.describe(kind, device)
        device.delete()
        record(Action.FACTOR_REMOVED, request=request, subject=request.user.get_username(),
               detail=name)  # fmt: skip
    messages.success(request, f"Removed “{name}”.")
    return redirect("accounts:security")


@require_POST
@verified_required
def sign_out_everywhere(request):
    user = request.user
    with transaction.atomic():
        SignOutEverywhere.objects.update_or_create(user=user, defaults={"at": timezone.now()})
        record(Action.SIGN_OUT_EVERYWHERE, request=request)
    logout(request)
    messages.info(request, "You are signed out on every computer and browser, this one included.")
    return redirect("admin:login")


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):
    """Adds the passkey and its audit entry together, and never lets an unverified user who
    already has a factor add another (the library's check, kept)."""

    def post(self, *args, **kwargs):
        if not may_add_factor(self.request.user):
            raise webauthn_views.exceptions.NotVerified()
        first = not self.request.user.is_verified()
        with transaction.atomic():
            response = super().post(*args, **kwargs)
            record(Action.FACTOR_ADDED, request=self.request,
                   subject=self.request.user.get_username(), detail="passkey")  # fmt: skip
            if first:  # the library has just marked the session as verified
                second_step_passed(self.request, self.request.user.otp_device)
        return response

"""A staff member's second factors: passkeys (WebAuthn), authenticator apps (TOTP) and one set
of single-use recovery codes (django-otp's static tokens)."""

from django.db import transaction
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from pit_site.audit.models import Action, record

RECOVERY_CODES = 10
KINDS = {"passkey": WebAuthnCredential, "app": TOTPDevice}


def main_factors(user):
    """[(kind, device)] of the user's confirmed passkeys and authenticator apps."""
    return [
        (kind, device)
        for kind, model in KINDS.items()
        for device in model.objects.filter(user=user, confirmed=True).order_by("pk")
    ]


def has_main_factor(user):
    return any(model.objects.filter(user=user, confirmed=True).exists() for model in KINDS.values())


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user).count()


def new_recovery_codes(request, user):
    """Replace the user's recovery codes with a fresh set; returns the codes (shown once)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes")
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        record(
            Action.FACTOR_ADDED, request=request, subject=user.get_username(),
            detail=f"{RECOVERY_CODES} new recovery codes (any earlier ones no longer work)",
        )  # fmt: skip
    return codes


def reset_all(request, user, reason):
    """Remove every second factor of ``user`` (an admin's reset): they set one up again."""
    with transaction.atomic():
        removed = sum(
            model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
            for model in [*KINDS.values(), StaticDevice]
        )
        record(
            Action.FACTORS_RESET, request=request, subject=user.get_username(),
            detail=ngettext("%d factor removed.", "%d factors removed.", removed) % removed
            + f" Reason: {reason}",
        )  # fmt: skip
    return removed


def describe(kind, device):
    if kind == "passkey":
        return device.name or "Passkey or security key"
    return device.name or "Authenticator app"

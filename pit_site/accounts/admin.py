"""Admins reset a colleague's second factors from the user list (recorded in the audit trail).

The devices themselves are not in the admin: factors are added and removed only through the
sign-in security pages, which keep at least one and record each change.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from . import factors
from .forms import ResetForm

User = get_user_model()

for model in (StaticDevice, TOTPDevice, WebAuthnCredential):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class StaffUserAdmin(UserAdmin):
    actions = ["reset_second_factors"]

    @admin.action(description="Reset second factors (they set one up at next sign-in)")
    def reset_second_factors(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(request, "Only administrators can reset second factors.", "error")
            return None
        form = ResetForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            for user in queryset:
                factors.reset_all(request, user, form.cleaned_data["reason"])
            self.message_user(
                request,
                ngettext(
                    "Reset the second factors of %d account.",
                    "Reset the second factors of %d accounts.",
                    len(queryset),
                )
                % len(queryset)
                + " They set up a new one at their next sign-in.",
            )
            return None
        return TemplateResponse(
            request,
            "admin/accounts/reset_second_factors.html",
            {**self.admin_site.each_context(request), "title": "Reset second factors",
             "users": queryset, "form": form, "opts": self.model._meta,
             "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME},
        )  # fmt: skip


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)

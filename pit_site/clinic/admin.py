from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from pit_site.pages.images import ImageRejected, clean_image

from .models import Clinic, Clinician


class ClinicianForm(forms.ModelForm):
    class Meta:
        model = Clinician
        fields = [
            "order", "name", "role", "regulator", "registration_number", "duties",
            "assesses", "prescribes", "injects", "photo", "photo_alt",
        ]  # fmt: skip

    def clean_photo(self):
        """A new photo is checked and re-encoded like page images (no location or camera
        data is kept); the stored one is left as it is."""
        upload = self.cleaned_data["photo"]
        if upload and hasattr(upload, "content_type"):
            try:
                return clean_image(upload)
            except ImageRejected as rejection:
                raise forms.ValidationError(str(rejection)) from None
        return upload


class ClinicianInline(admin.StackedInline):
    model = Clinician
    form = ClinicianForm
    extra = 0
    verbose_name = "clinician on the team page"
    verbose_name_plural = "Team: the clinicians patients see on the team page"
    fields = [
        ("order", "name"),
        "role",
        ("regulator", "registration_number"),
        "duties",
        ("assesses", "prescribes", "injects"),
        ("photo", "photo_alt"),
    ]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    inlines = [ClinicianInline]
    fieldsets = [
        (
            "Clinic",
            {"fields": ["name", "phone", "email", "address", "opening_hours", "reply_time"]},
        ),
        ("Enquiries", {"fields": ["notification_emails"]}),
        ("Urgent help", {"fields": ["emergency_number", "urgent_advice"]}),
        (
            "Safety and treatment details shown in the pages",
            {
                "description": "Patients see these on the safety page, in the diabetes "
                "advice and in the treatment journey on the Your treatment page. The shipped "
                "values are demo values, marked as such to patients until a clinician checks "
                "them and ticks the box below.",
                "fields": [
                    ("dextrose_grams_low", "dextrose_grams_high"),
                    "emergency_equipment",
                    "emergency_training",
                    "session_interval",
                    "review_after_sessions",
                    "safety_details_confirmed",
                ],
            },
        ),
        (
            "Registration, complaints, support and team (About, team and complaints pages)",
            {
                "description": "The shipped values are demo values, marked as such to patients "
                "until you replace them and tick the box below.",
                "fields": [
                    "regulator",
                    "regulator_url",
                    "insurance",
                    "complaints_handler",
                    ("complaints_acknowledge_days", "complaints_reply_days"),
                    "iscas_member",
                    "chaperones",
                    "language_support",
                    "governance_details_confirmed",
                ],
            },
        ),
        (
            "Fees shown on the fees page",
            {
                "description": "The fee table and a worked example of what a usual course "
                "costs are built from these. The shipped values are examples: replace with "
                "your own and tick the box below.",
                "fields": [
                    ("fee_first_appointment", "first_appointment_minutes"),
                    ("fee_follow_up", "follow_up_minutes"),
                    "fee_assessment_only",
                    ("sessions_low", "sessions_high"),
                    "fees_confirmed",
                ],
            },
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # There is only one set of details: go straight to it (if this user may see it).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:clinic_clinic_change", Clinic.load().pk)

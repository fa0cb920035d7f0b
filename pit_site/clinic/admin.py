from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .models import Clinic


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
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
                    ("sessions_low", "sessions_high"),
                    "review_after_sessions",
                    "safety_details_confirmed",
                ],
            },
        ),
        (
            "Registration, complaints and support shown on the About page",
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

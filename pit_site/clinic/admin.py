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

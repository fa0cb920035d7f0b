"""The audit trail in the admin: for administrators only, read-only for everyone (superusers
included), filterable by person, enquiry reference and date, and exportable as CSV. Looking
at it and exporting it are themselves recorded."""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from pit_site.csv_cells import text_cell

from .models import Action, AuditEntry, record

EXPORT_FIELDS = [
    "at", "actor_name", "action", "enquiry_reference", "subject", "detail", "ip_address",
]  # fmt: skip


class ActorFilter(admin.SimpleListFilter):
    title = "person"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        names = AuditEntry.objects.exclude(actor_name="").values_list("actor_name", flat=True)
        return [(name, name) for name in names.distinct().order_by("actor_name")]

    def queryset(self, request, queryset):
        return queryset.filter(actor_name=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "enquiry_reference", "subject", "detail"]
    list_filter = [ActorFilter, "action", ("at", admin.DateFieldListFilter)]
    search_fields = ["=enquiry_reference", "actor_name", "subject"]
    search_help_text = "An enquiry reference (PIT-…), or a user name."
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False
    fields = ["at", "actor_name", "action", "enquiry_reference", "subject", "detail", "ip_address"]
    readonly_fields = fields
    change_list_template = "admin/audit/auditentry/change_list.html"

    class Media:
        css = {"all": ["css/admin.css"]}

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = lambda self, request, obj=None: self.has_module_permission(request)  # noqa: E731

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}  # no bulk delete, for anyone

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="audit_auditentry_export"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        with transaction.atomic():
            response = super().changelist_view(request, extra_context)
            if response.status_code == 200:
                record(Action.AUDIT_VIEWED, request=request, detail=request.GET.urlencode()[:500])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        with transaction.atomic():
            response = super().change_view(request, object_id, form_url, extra_context)
            if response.status_code == 200:
                record(Action.AUDIT_VIEWED, request=request, detail=f"entry {object_id}")
        return response

    def export_view(self, request):
        """The entries the list shows with the same filters, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        entries = changelist.get_queryset(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(EXPORT_FIELDS)
        with transaction.atomic():
            count = 0
            for entry in entries.iterator():
                writer.writerow([_cell(entry, name) for name in EXPORT_FIELDS])
                count += 1
            record(Action.AUDIT_EXPORTED, request=request,
                   detail=f"{count} entries; {request.GET.urlencode()}"[:500])  # fmt: skip
        return response


def _cell(entry, name):
    value = getattr(entry, name)
    if name == "at":
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return text_cell(value)

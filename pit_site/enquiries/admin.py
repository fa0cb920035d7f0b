import csv
import re

import phonenumbers
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import ngettext

from pit_site.audit.models import Action, record
from pit_site.csv_cells import text_cell

from .models import Enquiry, ExportRecord, Note, Status, StatusChange
from .notifications import MAX_ATTEMPTS

PATIENT_FIELDS = [
    "reference", "created_at", "name", "email", "phone", "preferred_contact", "kind",
    "condition", "preferred_times", "message", "consent_at", "privacy_version",
]  # fmt: skip
CSV_FIELDS = [
    "reference", "created_at", "status", "name", "email", "phone", "preferred_contact", "kind",
    "condition", "preferred_times", "assigned_to", "suspected_spam",
]  # fmt: skip
PHONE_LIKE = re.compile(r"[\d\s()+.-]+")
STORED_PHONE = re.compile(r"\+\d{1,20}")  # E.164, as the form stores phones: never a formula


def full_name(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def as_stored_phone(term):
    """A search term written like a phone number, as stored (E.164), or None."""
    if not PHONE_LIKE.fullmatch(term) or not any(c.isdigit() for c in term):
        return None
    try:
        number = phonenumbers.parse(term, settings.ENQUIRY_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class SuspectedSpamFilter(admin.SimpleListFilter):
    title = "suspected spam"
    parameter_name = "suspected_spam"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(suspected_spam="")
        if self.value() == "no":
            return queryset.filter(suspected_spam="")
        return queryset


class AssigneeFilter(admin.RelatedOnlyFieldListFilter):
    """Assignees by full name, as the list and the form show them."""

    def field_choices(self, field, request, model_admin):
        choices = super().field_choices(field, request, model_admin)
        users = get_user_model().objects.in_bulk([pk for pk, _label in choices])
        return [(pk, full_name(users[pk])) for pk, _label in choices]


class NoteInline(admin.TabularInline):
    model = Note
    extra = 1
    fields = ["text", "written_by", "written_at"]
    readonly_fields = ["written_by", "written_at"]
    verbose_name = "internal note"
    verbose_name_plural = "internal notes (staff only; the patient never sees these)"

    # The empty row is for a new note: say so, rather than show a blank note by "-".
    @admin.display(description="by")
    def written_by(self, note):
        return full_name(note.author) if note.pk else "New note: you, when you save"

    @admin.display(description="at")
    def written_at(self, note):
        return (
            date_format(timezone.localtime(note.created_at), "DATETIME_FORMAT") if note.pk else ""
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["text"].widget.attrs.update(
            {"rows": 2, "placeholder": "Add a note for the team (optional)"}
        )
        return formset

    def has_change_permission(self, request, obj=None):
        return False  # notes are a record: add new ones, never rewrite old ones

    def has_delete_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ["changed_at", "old_status", "new_status", "changed_by"]
    readonly_fields = fields
    verbose_name_plural = "status history"
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enquiry)
class EnquiryAdmin(admin.ModelAdmin):
    list_display = [
        "reference", "received", "name", "kind", "condition", "status_badge", "assignee",
    ]  # fmt: skip
    list_filter = ["status", "kind", "condition", ("created_at", admin.DateFieldListFilter),
                   ("assigned_to", AssigneeFilter), SuspectedSpamFilter]  # fmt: skip
    list_select_related = ["assigned_to"]
    search_fields = ["reference", "name", "email", "phone"]
    list_per_page = 50
    show_full_result_count = False  # no full COUNT(*) on every page of a large table
    fieldsets = [
        ("What the patient sent", {"fields": PATIENT_FIELDS}),
        ("Handling", {"fields": ["status", "assigned_to", "suspected_spam", "notification"]}),
    ]
    readonly_fields = [*PATIENT_FIELDS, "suspected_spam", "notification"]
    inlines = [NoteInline, StatusChangeInline]
    actions = [
        "mark_contacted", "mark_booked", "mark_closed", "mark_spam", "assign_to_me",
        "export_csv",
    ]  # fmt: skip

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_urls(self):
        from django.urls import path

        from . import rights

        find = self.admin_site.admin_view(lambda request: rights.view(self, request))
        return [path("data-rights/", find, name="enquiries_data_rights"), *super().get_urls()]

    def get_ordering(self, request):
        # New enquiries first, then the rest; newest first within each.
        new_first = Case(When(status=Status.NEW, then=Value(0)), default=Value(1))
        return [new_first.asc(), "-created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "assigned_to":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        # Only people who can work enquiries (and anyone already holding one), by name.
        can_work = (
            Q(is_superuser=True)
            | Q(groups__permissions__codename="change_enquiry")
            | Q(user_permissions__codename="change_enquiry")
        )
        kwargs["queryset"] = (
            get_user_model()
            .objects.filter(
                (can_work & Q(is_active=True, is_staff=True)) | Q(assigned_enquiries__isnull=False)
            )
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.label_from_instance = full_name
        return field

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Phones are stored as +441632960555; reception types 01632 960555.
        phone = as_stored_phone(search_term.strip())
        if phone:
            results |= queryset.filter(phone=phone)
        return results, may_have_duplicates

    def has_add_permission(self, request):
        return False  # enquiries come from patients

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # reception closes; retention deletes

    @admin.display(description="Received", ordering="created_at")
    def received(self, enquiry):
        local = timezone.localtime(enquiry.created_at)
        return format_html(
            '{}<br><span class="quiet">{} ago</span>',
            date_format(local, "DATETIME_FORMAT"),
            timesince(enquiry.created_at).split(",")[0],
        )

    @admin.display(description="Assigned to", ordering="assigned_to__first_name")
    def assignee(self, enquiry):
        return full_name(enquiry.assigned_to) or "-"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, enquiry):
        css = {Status.NEW: "badge-warn", Status.SPAM: "badge-bad"}.get(enquiry.status, "badge-ok")
        label = enquiry.get_status_display()
        if enquiry.suspected_spam and enquiry.status == Status.NEW:
            label += " (suspected spam)"
        return format_html('<span class="badge {}">{}</span>', css, label)

    @admin.display(description="Emails")
    def notification(self, enquiry):
        if not enquiry.notification_pending:
            return "Sent." if enquiry.staff_notification_due else "None sent (suspected spam)."
        if enquiry.notify_attempts >= MAX_ATTEMPTS:
            return f"Not sent: gave up after {enquiry.notify_attempts} attempts."
        return f"Pending (tried {enquiry.notify_attempts} times); retried automatically."

    # The audit trail: each entry is written in the transaction of what it records (the
    # admin's change and delete views are atomic; the actions below are made so).
    def change_view(self, request, object_id, form_url="", extra_context=None):
        with transaction.atomic():
            response = super().change_view(request, object_id, form_url, extra_context)
            enquiry = getattr(response, "context_data", {}).get("original")
            if request.method == "GET" and response.status_code == 200 and enquiry:
                record(Action.VIEWED, request=request, enquiry=enquiry)
        return response

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            new_status = obj.status
            obj.status = form.initial["status"]
            obj.set_status(new_status, request.user)
        super().save_model(request, obj, form, change)
        request.enquiry_changes = list(form.changed_data)

    def log_change(self, request, obj, message):
        """After a saved change form: one entry for a new assignee, one for anything else."""
        super().log_change(request, obj, message)
        changed = getattr(request, "enquiry_changes", [])
        if "assigned_to" in changed:
            who = obj.assigned_to.get_username() if obj.assigned_to else "nobody"
            record(Action.ASSIGNED, request=request, enquiry=obj, subject=who)
        changed = [name for name in changed if name != "assigned_to"]
        if getattr(request, "enquiry_note_added", False):
            changed.append("note added")
        if changed:
            record(Action.CHANGED, request=request, enquiry=obj, detail=", ".join(changed))

    def delete_model(self, request, obj):
        record(Action.DELETED, request=request, enquiry=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for enquiry in queryset:
            record(Action.DELETED, request=request, enquiry=enquiry)
        super().delete_queryset(request, queryset)

    def save_related(self, request, form, formsets, change):
        request.enquiry_note_added = False
        super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        notes = formset.save(commit=False)
        for note in notes:
            note.author = request.user
            note.save()
        formset.save_m2m()
        request.enquiry_note_added = getattr(request, "enquiry_note_added", False) or bool(notes)

    def _set_status(self, request, queryset, status):
        changed = 0
        with transaction.atomic():
            for enquiry in queryset:
                if enquiry.set_status(status, request.user):
                    record(Action.CHANGED, request=request, enquiry=enquiry,
                           detail=f"status: {Status(status).label.lower()}")  # fmt: skip
                    changed += 1
        message = ngettext("%(n)d enquiry marked %(status)s.", "%(n)d enquiries marked %(status)s.",
                           changed)  # fmt: skip
        self.message_user(request, message % {"n": changed, "status": Status(status).label.lower()})

    @admin.action(description="Mark as contacted (in progress)", permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._set_status(request, queryset, Status.IN_PROGRESS)

    @admin.action(description="Mark as booked", permissions=["change"])
    def mark_booked(self, request, queryset):
        self._set_status(request, queryset, Status.BOOKED)

    @admin.action(description="Mark as closed", permissions=["change"])
    def mark_closed(self, request, queryset):
        self._set_status(request, queryset, Status.CLOSED)

    @admin.action(description="Mark as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._set_status(request, queryset, Status.SPAM)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        with transaction.atomic():
            enquiries = list(queryset.select_for_update(of=("self",)))
            for enquiry in enquiries:
                record(Action.ASSIGNED, request=request, enquiry=enquiry,
                       subject=request.user.get_username())  # fmt: skip
            count = queryset.model.objects.filter(pk__in=[e.pk for e in enquiries]).update(
                assigned_to=request.user
            )
        message = ngettext(
            "%(n)d enquiry assigned to you.", "%(n)d enquiries assigned to you.", count
        )
        self.message_user(request, message % {"n": count})

    @admin.action(description="Export selected to CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        enquiries = list(queryset.select_related("assigned_to").order_by("created_at"))
        with transaction.atomic():
            ExportRecord.objects.create(
                exported_by=request.user,
                count=len(enquiries),
                references=" ".join(e.reference for e in enquiries),
            )
            for enquiry in enquiries:
                record(Action.EXPORTED, request=request, enquiry=enquiry, detail="CSV")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="enquiries-{stamp}.csv"'
        response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
        writer = csv.writer(response)
        writer.writerow(CSV_FIELDS)
        for enquiry in enquiries:
            writer.writerow([_csv_cell(enquiry, name) for name in CSV_FIELDS])
        message = ngettext("Exported %(n)d enquiry.", "Exported %(n)d enquiries.", len(enquiries))
        self.message_user(request, message % {"n": len(enquiries)}, messages.INFO)
        return response


def _csv_cell(enquiry, name):
    """A cell as reception reads it: labels rather than codes, names rather than user names."""
    if name == "created_at":
        value = timezone.localtime(enquiry.created_at).strftime("%Y-%m-%d %H:%M")
    elif name in ("status", "kind", "preferred_contact"):
        value = getattr(enquiry, f"get_{name}_display")()
    elif name == "assigned_to":
        value = full_name(enquiry.assigned_to)
    else:
        value = str(getattr(enquiry, name) or "")
    # A phone number as stored (+447700900123) cannot run as a formula; a quote would spoil it.
    return value if STORED_PHONE.fullmatch(value) else text_cell(value)


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """The log of patient data leaving the system: nobody may add, change or delete it."""

    list_display = ["exported_at", "exported_by", "count"]
    readonly_fields = ["exported_at", "exported_by", "count", "references"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Patients' data rights, for reception: find everything held about one person by email
address or phone number (written any way: 01632 960555, +44 1632 960555...), export it for a
subject access request (JSON and CSV), or erase it (anonymise, as the retention job does).

Each step shows what it will act on first; export and erasure are POSTs from that page, and
each enquiry exported or anonymised gets its own audit entry in the same transaction.
"""

import csv
import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import ngettext

from pit_site.audit.models import Action, record
from pit_site.csv_cells import text_cell

from .models import Enquiry, Note, anonymise

EXPORT_FIELDS = [
    "reference", "created_at", "name", "email", "phone", "preferred_contact", "kind",
    "condition", "preferred_times", "message", "consent_at", "privacy_version", "status",
    "finished_at", "anonymised_at",
]  # fmt: skip


class FindForm(forms.Form):
    who = forms.CharField(
        label="Email address or phone number",
        max_length=254,
        help_text="As the person gives it: any format of phone number works, "
        "such as 01632 960555 or +44 1632 960555.",
    )

    def clean_who(self):
        from .admin import as_stored_phone

        who = self.cleaned_data["who"].strip()
        if "@" in who:
            try:
                validate_email(who)
            except forms.ValidationError:
                raise forms.ValidationError("This does not look like an email address.") from None
            return ("email", who)
        phone = as_stored_phone(who)
        if phone is None:
            raise forms.ValidationError(
                "Type a whole email address, or a phone number with its area code."
            )
        return ("phone", phone)


class EraseForm(forms.Form):
    reason = forms.CharField(
        label="Why are you erasing these details?",
        max_length=300,
        help_text="For example: erasure request by phone on 3 March, identity checked. "
        "Kept in the audit trail.",
    )
    confirm = forms.BooleanField(
        label="I have checked these are all this person's enquiries, and want to erase them."
    )


def matching(kind, value):
    """The person's enquiries (not yet anonymised) and every note on them or naming them."""
    field = {"email": "email__iexact", "phone": "phone"}[kind]
    enquiries = Enquiry.objects.filter(**{field: value}, anonymised_at__isnull=True)
    notes = Note.objects.filter(Q(enquiry__in=enquiries) | Q(text__icontains=value)).select_related(
        "enquiry", "author"
    )
    return enquiries.order_by("created_at"), notes.order_by("created_at")


def view(model_admin, request):
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    form = FindForm(request.POST or request.GET or None)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Find, export or erase one person's details",
        "opts": model_admin.model._meta,
        "form": form,
    }
    if not form.is_valid():
        return TemplateResponse(request, "admin/enquiries/data_rights.html", context)
    kind, value = form.cleaned_data["who"]
    enquiries, notes = matching(kind, value)
    step = request.POST.get("step")
    erase = EraseForm(request.POST if step == "erase" else None)
    if request.method == "POST" and step in {"json", "csv"}:
        return export(request, step, list(enquiries), list(notes))
    if request.method == "POST" and step == "erase" and erase.is_valid():
        count = erase_all(request, enquiries, erase.cleaned_data["reason"])
        model_admin.message_user(
            request,
            ngettext(
                "Erased the details in %d enquiry.", "Erased the details in %d enquiries.", count
            )
            % count,
        )
        enquiries, notes = matching(kind, value)
    else:
        with transaction.atomic():
            record(Action.SEARCHED, request=request,
                   detail=found_detail(kind, enquiries.count()))  # fmt: skip
    context.update(
        {"enquiries": enquiries, "notes": notes, "erase_form": erase, "kind": kind,
         "who": form.data.get("who", "")}
    )  # fmt: skip
    return TemplateResponse(request, "admin/enquiries/data_rights.html", context)


def export(request, fmt, enquiries, notes):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    with transaction.atomic():
        for enquiry in enquiries:
            record(Action.EXPORTED, request=request, enquiry=enquiry,
                   detail=f"subject access request ({fmt.upper()})")  # fmt: skip
    if fmt == "json":
        data = {
            "exported_at": timezone.now().isoformat(),
            "enquiries": [
                {
                    **{name: _value(enquiry, name) for name in EXPORT_FIELDS},
                    "notes": [
                        {"written_at": n.created_at.isoformat(), "text": n.text}
                        for n in notes
                        if n.enquiry_id == enquiry.pk
                    ],
                }
                for enquiry in enquiries
            ],
            "other_notes": [
                {"reference": n.enquiry.reference, "written_at": n.created_at.isoformat(),
                 "text": n.text}
                for n in notes
                if n.enquiry not in enquiries
            ],
        }  # fmt: skip
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([*EXPORT_FIELDS, "notes"])
        for enquiry in enquiries:
            texts = "\n\n".join(n.text for n in notes if n.enquiry_id == enquiry.pk)
            row = [*(_value(enquiry, name) for name in EXPORT_FIELDS), texts]
            writer.writerow([text_cell(value) for value in row])
    response["Content-Disposition"] = f'attachment; filename="personal-data-{stamp}.{fmt}"'
    return response


def erase_all(request, enquiries, reason):
    with transaction.atomic():
        targets = list(enquiries.select_for_update(of=("self",)))
        for enquiry in targets:
            record(Action.ANONYMISED, request=request, enquiry=enquiry,
                   detail=f"erasure request. Reason: {reason}")  # fmt: skip
        return anonymise(Enquiry.objects.filter(pk__in=[e.pk for e in targets]))


def _value(enquiry, name):
    value = getattr(enquiry, name)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else value


def found_detail(kind, count):
    return ngettext("by %s: %d enquiry found", "by %s: %d enquiries found", count) % (kind, count)

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from pit_site.pages.rendering import sanitise

from .bibliography import FILE_FIELDS
from .citations import cites_directly, pages_citing, vancouver
from .models import CheckStatus, Reference

BADGES = {
    CheckStatus.OK: "badge-ok",
    CheckStatus.REDIRECTED: "badge-warn",
    CheckStatus.BROKEN: "badge-bad",
}


class ReferenceAdminForm(forms.ModelForm):
    class Meta:
        model = Reference
        fields = FILE_FIELDS  # what editors write; the link check is the command's

    def clean_key(self):
        key = self.cleaned_data["key"]
        old = self.instance.key if self.instance.pk else None
        if old and key != old:
            citing = [page.title for page in pages_citing(old) if cites_directly(page, old)]
            if citing:
                raise forms.ValidationError(
                    f"Pages cite [@{old}]: {', '.join(citing[:5])}. Change their citations "
                    "first, or keep this key."
                )
        return key


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    """Editors keep the register (their pages permission is enough); reception never sees it."""

    form = ReferenceAdminForm
    list_display = ["key", "short_label", "study_type", "link_check", "checked_at", "last_checked"]
    list_filter = ["check_status", "study_type"]
    search_fields = ["key", "authors", "title", "journal", "doi", "pmid", "url"]
    readonly_fields = ["as_shown", "cited_by", "link_check", "redirect_target", "checked_at"]
    fieldsets = [
        (None, {"fields": ["key", "study_type", "as_shown", "cited_by"]}),
        (
            "Source",
            {
                "fields": [
                    "authors",
                    "year",
                    "title",
                    "journal",
                    "volume",
                    "pages",
                    "doi",
                    "pmid",
                    "url",
                    "last_checked",
                ]
            },
        ),  # fmt: skip
        ("For patients", {"fields": ["participants", "injected", "finding"]}),
        ("Link check", {"fields": ["link_check", "redirect_target", "checked_at"]}),
    ]

    class Media:
        css = {"all": ["css/admin.css"]}

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("pages.change_page")

    def has_add_permission(self, request):
        return request.user.has_perm("pages.change_page")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("pages.change_page")

    def has_delete_permission(self, request, obj=None):
        if not request.user.has_perm("pages.change_page"):
            return False
        # A reference a page cites stays until the page stops citing it.
        return obj is None or not any(
            cites_directly(page, obj.key) for page in pages_citing(obj.key)
        )

    @admin.display(description="Link check", ordering="check_status")
    def link_check(self, reference):
        if not reference.check_status:
            return "Not checked yet"
        label = reference.get_check_status_display()
        detail = f": {reference.check_detail}" if reference.check_detail else ""
        return format_html(
            '<span class="badge {}">{}</span>{}',
            BADGES[reference.check_status],
            label,
            detail,
        )

    @admin.display(description="As patients see it")
    def as_shown(self, reference):
        if not reference.pk:
            return "Shown after saving."
        from markdown import markdown

        return mark_safe(sanitise(markdown(vancouver(reference))))  # noqa: S308 - sanitised

    @admin.display(description="Cited by")
    def cited_by(self, reference):
        if not reference.pk:
            return "-"
        pages = pages_citing(reference.key)
        if not pages:
            return "No page cites it yet."
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:pages_page_change", args=[page.pk]), page.title) for page in pages),
        )

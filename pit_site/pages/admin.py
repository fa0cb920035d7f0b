import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst, normalize_newlines
from django.utils.translation import ngettext
from markdownx.widgets import MarkdownxWidget
from reversion_compare.admin import CompareVersionAdmin

from pit_site.feedback.admin import PageFeedbackMixin

from .content import ContentError, check_url_path
from .images import ImageRejected, clean_image, over_upload_limit
from .models import (
    CONTENT_FIELDS,
    REVIEW_FIELDS,
    Image,
    Kind,
    Page,
    Status,
    linkable,
    one_year_after,
)
from .quality import MAX_GRADE
from .rendering import (
    ALT_PLACEHOLDER,
    MAX_BODY_CHARS,
    TOO_LONG,
    RenderError,
    images_missing_alt,
    render_markdown,
)
from .renditions import renditions_or_none

DUE_SOON_DAYS = 30
BAD_PATH = "Not a valid address: edit the page and correct its path"


class PageBodyWidget(MarkdownxWidget):
    """The markdownx editor; FAQ pages preview as they will be shown, one question per item."""

    template_name = "admin/pages/body_widget.html"

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def add_markdownx_attrs(self, attrs):
        attrs = MarkdownxWidget.add_markdownx_attrs(attrs)
        if self.kind == Kind.FAQ:
            attrs["data-markdownx-urls-path"] += f"?kind={Kind.FAQ}"
        attrs["aria-describedby"] = "id_body_helptext"
        return attrs

    class Media:
        js = ["js/page-editor.js"]  # shows the editor's upload and preview errors


class PageAdminForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = ["path", *CONTENT_FIELDS]
        help_texts = {
            "body": "Markdown. Start sections with ## headings. To add an image, drag it into "
            "the text or paste it (JPEG, PNG or WebP): it is uploaded and put on its own line "
            f"as ![{ALT_PLACEHOLDER}](address), with those words selected: type what the "
            "image shows in their place. Every image needs this alt text. For a caption, add "
            'it in quotes after the address: ![alt](address "Caption"). References: cite '
            "the register (References in the admin) by key, text[@wu2017], or several as "
            "[@wu2017; @lin2020]; the numbered list is added at the end.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            self.fields["body"].widget = PageBodyWidget(kind=self.instance.kind)

    def clean_path(self):
        try:
            return check_url_path(self.cleaned_data["path"].strip().strip("/"))
        except ContentError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_body(self):
        # Browsers send the text with "\r\n" line ends; pages store "\n", as content files do.
        body = normalize_newlines(self.cleaned_data["body"])
        if len(body) > MAX_BODY_CHARS:
            raise forms.ValidationError(TOO_LONG)
        try:
            html = render_markdown(body)
        except RenderError as error:
            raise forms.ValidationError(str(error)) from None
        missing = images_missing_alt(html)
        if missing:
            raise forms.ValidationError(
                [
                    f"The image {src} has no alt text. Describe what it shows between the "
                    f"square brackets: ![A clinician examining a knee]({src})"
                    for src in missing
                ]
            )
        return body

    def add_error(self, field, error):
        """Page.clean's rules can name a field this form leaves out (the review fields, which
        only reviewers edit): such a message goes above the form, after the field's name."""
        names = getattr(error, "error_dict", {})
        for name in [n for n in names if n != NON_FIELD_ERRORS and n not in self.fields]:
            label = capfirst(Page._meta.get_field(name).verbose_name)
            for message in ValidationError(names.pop(name)).messages:
                super().add_error(None, f"{label}: {message}")
        super().add_error(field, error)


class ReviewFilter(admin.SimpleListFilter):
    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"),
            ("due-soon", f"Due within {DUE_SOON_DAYS} days"),
            ("awaiting", "Awaiting clinical review"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "due-soon":
            soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
            return queryset.filter(next_review_due__gte=today, next_review_due__lte=soon)
        if self.value() == "awaiting":
            return queryset.filter(last_reviewed__isnull=True)
        return queryset


@admin.register(Page)
class PageAdmin(PageFeedbackMixin, CompareVersionAdmin):
    form = PageAdminForm
    list_display = [
        "title", "public_link", "status", "kind", "order", "menu_label", "review_status", "grade",
        "updated_at", "updated_by",
    ]  # fmt: skip
    # Menus are reordered here: filter by "show in header menu", then change the numbers.
    list_editable = ["order"]
    list_filter = [
        "status",
        "header_menu",
        "footer_menu",
        ReviewFilter,
        "kind",
        "region",
        "not_offered",
    ]
    search_fields = ["title", "path", "summary", "body"]
    readonly_fields = [
        "reading_grade_display", "created_at", "updated_at", "updated_by",
        *PageFeedbackMixin.feedback_fields,
    ]  # fmt: skip
    fieldsets = [
        ("Content", {"fields": ["title", "body", "reading_grade_display"]}),
        (
            "Listing",
            {
                "fields": [
                    "path",
                    "kind",
                    "summary",
                    "nav_title",
                    "order",
                    "header_menu",
                    "footer_menu",
                    "region",
                    "evidence",
                    "not_offered",
                ]
            },  # fmt: skip
        ),
        ("Clinical review", {"fields": REVIEW_FIELDS}),
        ("Publishing", {"fields": ["status", "created_at", "updated_at", "updated_by"]}),
    ]
    actions = ["mark_reviewed", "publish", "unpublish"]
    # By address, so the list follows the site's structure and the Address column says so.
    ordering = ["path"]
    history_latest_first = True
    # Compare what editors write; fields the site works out (HTML, grade, times) only add noise.
    compare_exclude = [field.name for field in Page._meta.fields if not field.editable]

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("pages.review_page"):
            fields += REVIEW_FIELDS  # only clinical reviewers record reviews
        return fields

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if change and "status" in form.changed_data and not obj.is_published:
            self._warn_of_links_to(request, obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._warn_of_links_to(request, obj)

    def _warn_of_links_to(self, request, page):
        """Menus leave out what patients cannot open, but links in other pages' text stay:
        name the published pages whose text links to ``page``."""
        url = page.get_absolute_url()
        linking = (
            Page.objects.published()
            .exclude(pk=page.pk)
            .filter(Q(body_html__contains=f'href="{url}"') | Q(body_html__contains=f'href="{url}#'))
            .values_list("title", flat=True)
        )
        titles = list(linking[:6])
        if not titles:
            return
        shown = ", ".join(f"“{title}”" for title in titles[:5])
        if len(titles) > 5:
            shown += f" and {linking.count() - 5} more"
        self.message_user(
            request,
            f"Published pages still link to {url}: {shown}. "
            "Patients who follow those links get “page not found”: change or remove them.",
            messages.WARNING,
        )

    # django-reversion-compare's compare view checks no permission, and django-reversion's
    # revision and recover views write the old version to the database before the change form
    # checks any: each view checks here first. Old versions of a page (drafts included) are
    # for those who may see the page.
    def _check_page_access(self, request, object_id):
        page = self.get_object(request, unquote(object_id))
        if page is None:
            raise Http404("No such page.")
        if not self.has_view_or_change_permission(request, page):
            raise PermissionDenied
        if request.method == "POST" and not self.has_change_permission(request, page):
            raise PermissionDenied
        return page

    def compare_view(self, request, object_id, extra_context=None):
        self._check_page_access(request, object_id)
        return super().compare_view(request, object_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Reverting restores the old content; only reviewers may also restore its review.

        django-reversion writes the old version to the database before the change form
        loads the page, so the current review is read here, first, and get_object puts it
        back on the page the form shows and saves.
        """
        page = self._check_page_access(request, object_id)
        if not self.has_review_permission(request):
            request.kept_review = {name: getattr(page, name) for name in REVIEW_FIELDS}
        return super().revision_view(request, object_id, version_id, extra_context)

    def get_object(self, request, object_id, from_field=None):
        page = super().get_object(request, object_id, from_field)
        if page is not None:
            for name, value in getattr(request, "kept_review", {}).items():
                setattr(page, name, value)
        return page

    @admin.display(description="Address", ordering="path")
    def public_link(self, page):
        if not any(linkable([page])):
            return format_html('<span class="badge badge-bad">{}</span>', BAD_PATH)
        return format_html('<a href="{}">{}</a>', page.url, page.url)

    def get_view_on_site_url(self, obj=None):
        if obj is not None and not any(linkable([obj])):
            return None  # no "View on site" button that would fail
        return super().get_view_on_site_url(obj)

    @admin.display(description="Menu link")
    def menu_label(self, page):
        """Which menus link to the page, and by what label."""
        menus = [
            name
            for name, shown in (("header", page.header_menu), ("footer", page.footer_menu))
            if shown
        ]
        return f"{' and '.join(menus).capitalize()}: {page.list_title}" if menus else ""

    @admin.display(description="Reading grade", ordering="reading_grade")
    def grade(self, page):
        over = page.reading_grade > MAX_GRADE
        return format_html(
            '<span class="{}">{}</span>', "badge badge-bad" if over else "", page.reading_grade
        )

    @admin.display(description="Reading grade")
    def reading_grade_display(self, page):
        if not page.pk:
            return "Shown after saving."
        verdict = "too hard for many readers" if page.reading_grade > MAX_GRADE else "good"
        return f"{page.reading_grade} (target: {MAX_GRADE:g} or lower; {verdict})"

    @admin.display(description="Clinical review", ordering="next_review_due")
    def review_status(self, page):
        today = timezone.localdate()
        if not page.last_reviewed:
            return format_html('<span class="badge badge-warn">{}</span>', "Awaiting review")
        due = page.next_review_due
        if due and due < today:
            return format_html(
                '<span class="badge badge-bad">Overdue since {}</span>', date_format(due)
            )
        if due and due <= today + datetime.timedelta(days=DUE_SOON_DAYS):
            return format_html('<span class="badge badge-warn">Due {}</span>', date_format(due))
        return format_html(
            '<span class="badge badge-ok">Reviewed {}</span>', date_format(page.last_reviewed)
        )

    def has_review_permission(self, request):
        return request.user.has_perm("pages.review_page")

    @admin.action(description="Mark selected pages reviewed today by me", permissions=["review"])
    def mark_reviewed(self, request, queryset):
        user = request.user
        name = user.get_full_name() or user.get_username()
        profile = getattr(user, "staff_profile", None)
        today = timezone.localdate()
        saved = 0
        for page in queryset:
            page.last_reviewed = today
            page.next_review_due = one_year_after(today)
            page.reviewer = name
            page.reviewer_role = profile.job_title if profile else ""
            page.updated_by = user
            saved += self._save(request, page, "Marked as clinically reviewed.")
        self.message_user(
            request,
            ngettext("%(n)d page marked reviewed today by %(name)s.",
                     "%(n)d pages marked reviewed today by %(name)s.", saved)
            % {"n": saved, "name": name},
        )  # fmt: skip

    @admin.action(description="Publish selected pages", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED)

    @admin.action(description="Unpublish selected pages (make them drafts)", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Status.DRAFT)

    def _set_status(self, request, queryset, status):
        for page in queryset.exclude(status=status):
            page.status = status
            page.updated_by = request.user
            saved = self._save(request, page, f"Status set to {page.get_status_display()}.")
            if saved and status != Status.PUBLISHED:
                self._warn_of_links_to(request, page)
        count = queryset.filter(status=status).count()
        label = Status(status).label.lower()
        message = ngettext(
            "%(n)d page is now %(status)s.", "%(n)d pages are now %(status)s.", count
        )
        self.message_user(request, message % {"n": count, "status": label}, messages.SUCCESS)

    def _save(self, request, page, change_message):
        """Save a page from an action; 1 if saved, 0 (with a message) if the renderer refuses
        its text, as it may for a page saved under older limits."""
        try:
            page.save()
        except RenderError as error:
            self.message_user(
                request, f"“{page.title}” was not changed: {error} Edit the page first.",
                messages.ERROR,
            )  # fmt: skip
            return 0
        self.log_change(request, page, change_message)
        return 1


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "note"]

    request = None  # set by ImageAdmin.get_form

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            over_limit = over_upload_limit(self.request)
            if over_limit:
                raise forms.ValidationError(over_limit)
            try:
                return clean_image(upload)
            except ImageRejected as rejection:
                raise forms.ValidationError(str(rejection)) from None
        return upload


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ["thumbnail", "note", "markdown_code", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["note", "file"]
    readonly_fields = ["thumbnail", "markdown_code", "size", "uploaded_by", "uploaded_at"]

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "note"]
        return ["thumbnail", "markdown_code", "note", "size", "uploaded_by", "uploaded_at"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class on each call
        form.request = request  # for the per-user upload rate limit
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            renditions_or_none(obj)  # the responsive copies pages show (pages.renditions)

    @admin.display(description="Image")
    def thumbnail(self, image):
        return format_html(
            '<img src="{}" alt="{}" class="admin-thumb">', image.file.url, image.note or ""
        )

    @admin.display(description="Paste into a page")
    def markdown_code(self, image):
        return format_html("<code>{}</code>", image.markdown)

    @admin.display(description="Size")
    def size(self, image):
        return f"{image.width} × {image.height} px"

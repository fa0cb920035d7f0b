import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from markdownx.widgets import MarkdownxWidget
from reversion_compare.admin import CompareVersionAdmin

from .content import ContentError, check_url_path
from .images import ImageRejected, clean_image
from .models import CONTENT_FIELDS, Image, Kind, Page, Status, one_year_after
from .quality import MAX_GRADE
from .rendering import (
    ALT_PLACEHOLDER,
    MAX_BODY_CHARS,
    RenderError,
    images_missing_alt,
    render_markdown,
)

REVIEW_FIELDS = ["last_reviewed", "next_review_due", "reviewer", "reviewer_role"]
DUE_SOON_DAYS = 30


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
            "image shows in their place. Every image needs this alt text. References: "
            "text[^name] and, at the end, [^name]: the reference.",
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
        body = self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")
        if len(body) > MAX_BODY_CHARS:
            raise forms.ValidationError(f"Pages can be up to {MAX_BODY_CHARS:,} characters long.")
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

    def clean(self):
        data = super().clean()
        if data.get("kind") == Kind.CONDITION:
            for name in ("region", "evidence"):
                if not data.get(name):
                    self.add_error(name, "Condition pages need this.")
        else:
            for name in ("region", "evidence"):
                if data.get(name):
                    self.add_error(name, "Only condition pages have this; leave it empty.")
        if data.get("reviewer") and not data.get("last_reviewed"):
            self.add_error("last_reviewed", "Give the date of the review.")
        return data


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
class PageAdmin(CompareVersionAdmin):
    form = PageAdminForm
    list_display = [
        "title", "public_link", "status", "kind", "order", "menu_label", "review_status", "grade",
        "updated_at", "updated_by",
    ]  # fmt: skip
    # Menus are reordered here: filter by "show in header menu", then change the numbers.
    list_editable = ["order"]
    list_filter = ["status", "header_menu", "footer_menu", ReviewFilter, "kind", "region"]
    search_fields = ["title", "path", "summary", "body"]
    readonly_fields = ["reading_grade_display", "created_at", "updated_at", "updated_by"]
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
                ]
            },  # fmt: skip
        ),
        ("Clinical review", {"fields": REVIEW_FIELDS}),
        ("Publishing", {"fields": ["status", "created_at", "updated_at", "updated_by"]}),
    ]
    actions = ["mark_reviewed", "publish", "unpublish"]
    history_latest_first = True

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

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Reverting restores the old content; only reviewers may also restore its review.

        django-reversion writes the old version to the database before the change form
        loads the page, so the current review is read here, first, and get_object puts it
        back on the page the form shows and saves.
        """
        if not self.has_review_permission(request):
            page = self.get_object(request, unquote(object_id))
            if page is not None:
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
        url = page.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

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
            return format_html('<span class="badge badge-bad">Overdue since {}</span>', due)
        if due and due <= today + datetime.timedelta(days=DUE_SOON_DAYS):
            return format_html('<span class="badge badge-warn">Due {}</span>', due)
        return format_html('<span class="badge badge-ok">Reviewed {}</span>', page.last_reviewed)

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
        self.message_user(request, f"{saved} page(s) marked reviewed today by {name}.")

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
        self.message_user(request, f"{count} page(s) now {status}.", messages.SUCCESS)

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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
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

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

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

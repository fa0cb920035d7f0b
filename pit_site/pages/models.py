import hashlib
import json
import logging

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.text import normalize_newlines

from pit_site.clinic.models import Clinic

from .readability import reading_grade
from .rendering import (
    ALT_PLACEHOLDER,
    RenderError,
    faq_items,
    has_clinic_details,
    render_markdown,
    section_links,
)

logger = logging.getLogger(__name__)


class Kind(models.TextChoices):
    PAGE = "page", "Page"
    FAQ = "faq", "FAQ page"
    CONDITION = "condition", "Condition"
    SECTION = "section", "Section index"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Region(models.TextChoices):
    # In the order the conditions index shows them.
    HEAD_AND_NECK = "head-and-neck", "Head and neck"
    SHOULDER_AND_ARM = "shoulder-and-arm", "Shoulder, arm and elbow"
    WRIST_AND_HAND = "wrist-and-hand", "Wrist and hand"
    BACK_AND_CHEST = "back-and-chest", "Back, chest and ribs"
    HIP_AND_KNEE = "hip-and-knee", "Hip and knee"
    ANKLE_AND_FOOT = "ankle-and-foot", "Ankle and foot"


class Evidence(models.TextChoices):
    SOME = "some", "Some evidence"
    LIMITED = "limited", "Limited evidence"
    VERY_LIMITED = "very-limited", "Very limited evidence"


EVIDENCE_EXPLAINED = {
    Evidence.SOME: "Small randomised trials have compared it with a placebo injection.",
    Evidence.LIMITED: "Small or early studies without a placebo group, or mixed results.",
    Evidence.VERY_LIMITED: (
        "Only case reports, clinic reports, or reasoning from other conditions or from trials of "
        "a related but different injection."
    ),
}

# What a clinical reviewer records; only reviewers may change these fields.
REVIEW_FIELDS = ("last_reviewed", "next_review_due", "reviewer", "reviewer_role")
# The fields a content file sets, in the order its front matter lists them (the body last):
# the one list behind the admin form, import, export and conflict checks.
CONTENT_FIELDS = (
    "title", "summary", "kind", "status", "order", "nav_title", "header_menu", "footer_menu",
    "region", "evidence", "not_offered", *REVIEW_FIELDS, "body",
)  # fmt: skip
MENU_FIELDS = ("header_menu", "footer_menu")
# Yes/no fields, written to files only when yes; left out of a page's fingerprint when no, so
# pages fingerprinted before these fields existed keep their fingerprint.
YES_NO_FIELDS = (*MENU_FIELDS, "not_offered")


NOT_OFFERED_NEEDS_CONDITION = (
    "Only condition pages can be marked not offered here; make other pages drafts instead."
)
# The fields only condition pages have, and what the rules call them.
CONDITION_FIELDS = {"region": "a body region", "evidence": "an evidence level"}


def one_year_after(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class PageQuerySet(models.QuerySet):
    def published(self):
        """What patients may see: published pages, less conditions the clinic does not offer."""
        return self.filter(status=Status.PUBLISHED, not_offered=False)


@reversion.register()
class Page(models.Model):
    path = models.CharField(
        max_length=200,
        unique=True,
        blank=True,
        help_text='Where the page lives: "what-is-pit" is /what-is-pit/; empty is the home page.',
    )
    title = models.CharField(max_length=200)
    summary = models.CharField(
        max_length=300, help_text="One or two sentences; search engines show it under the title."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PAGE)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Drafts are hidden from patients; staff can preview them on the site.",
    )
    order = models.IntegerField(default=100, help_text="Position in lists and menus, lower first.")
    nav_title = models.CharField(
        max_length=80, blank=True, help_text="Short label for lists and menus."
    )
    header_menu = models.BooleanField(
        "show in header menu",
        default=False,
        help_text="Link to this page in every page's header, by its nav title (else its "
        "title), in the order of the Order field. Only published pages are shown.",
    )
    footer_menu = models.BooleanField(
        "show in footer",
        default=False,
        help_text="Link to this page in every page's footer, the same way.",
    )
    region = models.CharField(max_length=30, choices=Region.choices, blank=True)
    evidence = models.CharField(max_length=20, choices=Evidence.choices, blank=True)
    not_offered = models.BooleanField(
        "not offered here",
        default=False,
        help_text="Conditions only. Tick to hide this condition from patients (its page, "
        "lists, the sitemap and the contact form) without deleting it; staff still see it.",
    )
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    reading_grade = models.FloatField(default=0, editable=False)
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    reviewer = models.CharField(max_length=120, blank=True)
    reviewer_role = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        permissions = [("review_page", "Can mark pages as clinically reviewed")]

    def __str__(self):
        return self.title

    def save(self, *args, clinic=None, **kwargs):
        self.default_review_due()
        self.render(clinic=clinic)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        if not self.path:
            return reverse("pages:home")
        return reverse("pages:page", args=[self.path])

    def clean(self):
        """The rules between fields, for the admin form and load_content alike (each field's
        own limits, such as its length, are in its definition)."""
        errors = {}
        for name, what in CONDITION_FIELDS.items():
            if self.kind == Kind.CONDITION and not getattr(self, name):
                errors[name] = ValidationError(f"Condition pages need {what}.", code="needed")
            elif self.kind != Kind.CONDITION and getattr(self, name):
                errors[name] = f"Only condition pages have {what}; leave it empty."
        if self.not_offered and self.kind != Kind.CONDITION:
            errors["not_offered"] = NOT_OFFERED_NEEDS_CONDITION
        if self.reviewer and not self.last_reviewed:
            errors["last_reviewed"] = "Give the date of the review: a reviewer is named."
        if errors:
            raise ValidationError(errors)
        self.default_review_due()

    def default_review_due(self):
        """Unless another date is given, the next review is due a year after the last."""
        if self.last_reviewed and not self.next_review_due:
            self.next_review_due = one_year_after(self.last_reviewed)

    def render(self, clinic=None):
        """Render the Markdown into body_html and its reading grade; True if the HTML changed.

        Clinic details in the text ({{ clinic.… }}) come from ``clinic``, by default the
        clinic's saved details.
        """
        if clinic is None and has_clinic_details(self.body):
            clinic = Clinic.load()
        html = render_markdown(self.body, faq=self.kind == Kind.FAQ, clinic=clinic)
        changed = html != self.body_html
        self.body_html = html
        self.reading_grade = reading_grade(html)
        return changed

    @property
    def list_title(self):
        return self.nav_title or self.title

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    @property
    def is_public(self):
        """Whether patients can see the page (the same test as Page.objects.published())."""
        return self.is_published and not self.not_offered

    @property
    def is_reviewed(self):
        return bool(self.last_reviewed and self.reviewer)

    @property
    def evidence_explained(self):
        return EVIDENCE_EXPLAINED.get(self.evidence, "")

    def on_this_page(self):
        """Links to the page's ``##`` sections, for pages with three or more (not FAQ pages,
        whose questions are already a list)."""
        if self.kind == Kind.FAQ:
            return []
        links = section_links(self.body_html)
        return links if len(links) >= 3 else []

    def faq_questions(self):
        """(anchor, question, answer_html) for each question on an FAQ page."""
        return faq_items(self.body_html) if self.kind == Kind.FAQ else []

    def content_values(self):
        return {name: getattr(self, name) for name in CONTENT_FIELDS}

    def content_hash(self):
        return fingerprint(self.content_values())


class FileState(models.Model):
    """What content files know of a page, for load_content's "changed in the database?" test.

    Not versioned (reverting a page must not restore it) and kept per folder, so a load or
    export of one folder never vouches for another: a page is overwritten from a folder only
    if its content is what a load last wrote, or what it was when it last matched that folder.
    """

    MAX_FOLDERS = 20  # the folders remembered per page, most recent last

    page = models.OneToOneField(
        Page, on_delete=models.CASCADE, primary_key=True, related_name="file_state"
    )
    loaded_hash = models.CharField(
        max_length=64, blank=True, help_text="Fingerprint of the content a load last wrote."
    )
    folders = models.JSONField(
        default=dict,
        help_text="Folder -> fingerprint of the content when the page last matched its file there.",
    )

    def __str__(self):
        return f"File state of {self.page}"

    def unchanged_since_files(self, content_hash, folder):
        """True if no change was made in the database since a load wrote the content or since
        the page last matched its file in ``folder``."""
        return content_hash in (self.loaded_hash, self.folders.get(folder))

    def matched(self, folder, content_hash):
        self.folders.pop(folder, None)
        self.folders[folder] = content_hash
        while len(self.folders) > self.MAX_FOLDERS:
            del self.folders[next(iter(self.folders))]


def linkable(pages):
    """The pages that have a URL, each with it as ``url``. A row whose stored path cannot be a
    URL (saved before the path check was strict) is logged and left out, so one bad row never
    breaks a list for everyone."""
    for page in pages:
        try:
            page.url = page.get_absolute_url()
        except NoReverseMatch:
            logger.warning(
                "page %s is left out of lists: its path %r is not valid", page.pk, page.path
            )
            continue
        yield page


def show_new_clinic_details(sender, instance, **kwargs):
    """The clinic's details were saved: re-render the pages that show some of them.

    The saved details are passed on, as the shared cache may still hold the old ones.
    """
    for page in Page.objects.filter(body__contains="{{"):
        if not has_clinic_details(page.body):
            continue
        try:
            changed = page.render(clinic=instance)
        except RenderError as error:  # the new details make the page too long: keep its HTML
            logger.warning("Kept the HTML of /%s/: %s", page.path, error)
            continue
        if changed:
            page.save(clinic=instance, update_fields=["body_html", "reading_grade", "updated_at"])


def show_new_team(sender, instance, **kwargs):
    """A clinician was added, changed or removed: re-render the pages that show the team."""
    clinic = Clinic.objects.filter(pk=instance.clinic_id).first()
    if clinic is not None:  # None while the clinic's details themselves are being deleted
        show_new_clinic_details(sender, clinic)


def fingerprint(values):
    """A stable hash of a page's content fields, to tell whether it changed."""
    canonical = {
        name: (values.get(name) or "") if name != "order" else values.get(name, 100)
        for name in CONTENT_FIELDS
        if name not in YES_NO_FIELDS or values.get(name)
    }
    canonical["body"] = normalize_newlines(canonical["body"]).strip()
    blob = json.dumps(canonical, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class Image(models.Model):
    """A picture uploaded for use on pages; always stored as a cleaned, re-encoded copy."""

    file = models.ImageField(upload_to="images/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="For staff only: what the image shows, where it is used.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.note or self.file.name.rsplit("/", 1)[-1]

    @property
    def markdown(self):
        """What to paste into a page; the placeholder alt text is still to be replaced."""
        return f"![{ALT_PLACEHOLDER}]({self.file.url})"

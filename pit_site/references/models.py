"""The reference register: every study, guideline and web page the patient pages cite.

Pages cite a reference by its key (``[@wu2017]``, see citations.py); the register is loaded
from and exported to ``content/bibliography.yaml`` (bibliography.py), and
``manage.py check_references`` records whether each link still works (checks.py).
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

KEY_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
KEY_RE = re.compile(KEY_PATTERN)
DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class StudyType(models.TextChoices):
    # In the order the evidence page lists them: strongest kind of study first.
    REVIEW = "review", "Review"
    RANDOMISED_TRIAL = "randomised-trial", "Randomised trial"
    PILOT = "pilot", "Pilot study"
    CASE_SERIES = "case-series", "Case series"
    GUIDELINE = "guideline", "Guideline or official statement"
    CLINIC_REPORT = "clinic-report", "Clinic or developer report"
    OTHER = "other", "Other source"


class CheckStatus(models.TextChoices):
    UNCHECKED = "", "Not checked yet"
    OK = "ok", "Works"
    REDIRECTED = "redirected", "Works, but moved"
    BROKEN = "broken", "Broken"


def one_line(value):
    if CONTROL_RE.search(value):
        raise ValidationError("Remove the line break or control character: keep it on one line.")


def doi_form(value):
    if value and not DOI_RE.fullmatch(value):
        raise ValidationError('A DOI starts with "10." and a slash, e.g. 10.1016/j.x.2017.05.025.')


def web_address(value):
    if value and not re.match(r"https?://[^\s/]+", value):
        raise ValidationError("Give a web address starting with https:// or http://.")
    one_line(value)


TEXT = {"blank": True, "validators": [one_line]}


def _shorten(text, limit=40):
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


class Reference(models.Model):
    key = models.CharField(
        max_length=60,
        unique=True,
        validators=[RegexValidator(f"^{KEY_PATTERN}$", "Lower-case letters, digits and hyphens.")],
        help_text="What pages write to cite it: [@wu2017]. Usually first author and year.",
    )
    study_type = models.CharField(max_length=20, choices=StudyType.choices)
    authors = models.CharField(
        max_length=500,
        help_text="Vancouver style: Wu YT, Ho TY, Chou YC, et al. Or the organisation's name. "
        "Empty only if the source does not show them.",
        **TEXT,
    )
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty if the source does not show it."
    )
    title = models.CharField(max_length=500, validators=[one_line])
    journal = models.CharField(
        max_length=200, help_text="Journal (abbreviated), or the publishing website.", **TEXT
    )
    volume = models.CharField(max_length=40, help_text="Volume(issue), e.g. 92(8).", **TEXT)
    pages = models.CharField(max_length=40, help_text="e.g. 1179-1189.", **TEXT)
    doi = models.CharField(
        "DOI", max_length=200, blank=True, validators=[one_line, doi_form],
        help_text="Without https://doi.org/, e.g. 10.1016/j.mayocp.2017.05.025.",
    )  # fmt: skip
    pmid = models.CharField(
        "PubMed ID",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{1,10}$", "Digits only.")],
    )
    url = models.CharField(
        "web address", max_length=2000, blank=True, validators=[web_address],
        help_text="Where the source can be read, if it has no DOI or PubMed ID, or as well.",
    )  # fmt: skip
    participants = models.PositiveIntegerField(
        null=True, blank=True, help_text="People (or wrists, tendons…) studied."
    )
    injected = models.CharField(
        "what was injected and where", max_length=300, help_text="Plain words.", **TEXT
    )
    finding = models.CharField(
        max_length=300, help_text="One line in plain words: what it found.", **TEXT
    )
    last_checked = models.DateField(
        null=True,
        blank=True,
        help_text="When someone last checked these details against the source.",
    )
    # Written by manage.py check_references, never by editors or content files.
    check_status = models.CharField(
        "link check", max_length=20, choices=CheckStatus.choices, blank=True, editable=False
    )
    check_detail = models.CharField(max_length=300, blank=True, editable=False)
    redirect_target = models.CharField(max_length=2000, blank=True, editable=False)
    checked_at = models.DateTimeField("links checked at", null=True, blank=True, editable=False)
    # Fingerprint of the file's values when the reference last matched bibliography.yaml.
    file_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"[@{self.key}] {self.short_label}"

    def clean(self):
        if not (self.doi or self.pmid or self.url):
            raise ValidationError("Give at least one of: DOI, PubMed ID, web address.")

    @property
    def short_label(self):
        """How lists name it: "Wu 2017", "Cleveland Clinic" (the journal if no authors)."""
        first = self.authors.split(",")[0].strip() or self.journal or _shorten(self.title)
        words = first.split()
        if len(words) > 1 and re.fullmatch(r"[A-Z]{1,3}", words[-1]):
            first = " ".join(words[:-1])  # "Wu YT" -> "Wu"
        return f"{first} {self.year}" if self.year else first

    def links(self):
        """(label, address) for each way to reach the source: DOI, PubMed, web address."""
        links = []
        if self.doi:
            links.append(("DOI", f"https://doi.org/{self.doi}"))
        if self.pmid:
            links.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"))
        if self.url:
            links.append(("Web", self.url))
        return links

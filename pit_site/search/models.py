from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F

from .text import clean_query, words


class SearchDocument(models.Model):
    """One search result: a published page, or one answer on an FAQ page.

    Rebuilt from the page whenever it is saved (see index.py); never edited by hand. The
    ``*_terms`` fields hold stems (text.index_text); ``vector`` is PostgreSQL's weighted
    index of them (unused on SQLite, which keeps an FTS5 table, search_fts, instead).
    """

    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="+")
    anchor = models.CharField(max_length=200, blank=True, help_text="An FAQ question's id.")
    position = models.PositiveIntegerField(default=0, help_text="0 for the page, then 1, 2...")
    url = models.CharField(max_length=450)
    title = models.CharField(max_length=300)
    breadcrumb = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True, help_text="Plain text, for snippets.")
    title_terms = models.TextField(blank=True)
    heading_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["page__order", "page__title", "position"]
        constraints = [
            models.UniqueConstraint(fields=["page", "anchor"], name="one_document_per_anchor")
        ]

    def __str__(self):
        return self.title


class Synonym(models.Model):
    """Words and phrases patients use for the same thing; a search for one finds the others."""

    words = models.CharField(
        max_length=300,
        unique=True,
        help_text='Words or phrases that mean the same, separated by commas, e.g. "jab, '
        'injection". A search for any of them also finds pages using the others.',
    )

    class Meta:
        ordering = ["words"]

    def __str__(self):
        return self.words

    def phrases(self):
        """Each phrase as its list of words, e.g. [["tennis", "elbow"], ["lateral", "elbow"]]."""
        return [found for part in self.words.split(",") if (found := words(part))]


class UnmatchedSearch(models.Model):
    """Searches that found nothing, counted per day: the words only, never who or when."""

    day = models.DateField()
    words = models.CharField(max_length=100)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "-count", "words"]
        verbose_name = "search that found nothing"
        verbose_name_plural = "searches that found nothing"
        constraints = [models.UniqueConstraint(fields=["day", "words"], name="one_row_per_day")]

    def __str__(self):
        return self.words

    MAX_ROWS_PER_DAY = 1000  # a flood of random queries cannot fill the table

    @classmethod
    def record(cls, query, day):
        # Words only: a long number (a phone number, a date of birth) is left out.
        kept = [w for w in words(clean_query(query)) if not (sum(c.isdigit() for c in w) > 4)]
        text = " ".join(kept)[:100].strip()
        if not text:
            return
        if not cls.objects.filter(day=day, words=text).update(count=F("count") + 1):
            if cls.objects.filter(day=day).count() >= cls.MAX_ROWS_PER_DAY:
                return
            _row, created = cls.objects.get_or_create(day=day, words=text, defaults={"count": 1})
            if not created:
                cls.objects.filter(day=day, words=text).update(count=F("count") + 1)

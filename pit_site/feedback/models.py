import re
import unicodedata
from datetime import timedelta

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

MAX_COMMENT = 500
EMAIL_RE = re.compile(r"[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+")
PHONE_RE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def scrub(text):
    """A comment without personal contact details: control characters, email addresses and
    anything that looks like a phone number (7 or more digits) removed, cut at MAX_COMMENT."""
    text = "".join(
        ch
        for ch in (text or "")[: MAX_COMMENT * 2]
        if ch in "\n" or unicodedata.category(ch)[0] != "C"
    )
    text = EMAIL_RE.sub("[email removed]", text)
    text = PHONE_RE.sub(
        lambda m: "[number removed]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(),
        text,
    )
    return text.strip()[:MAX_COMMENT]


class FeedbackQuerySet(models.QuerySet):
    def since(self, days):
        return self.filter(day__gt=timezone.localdate() - timedelta(days=days))

    def counts(self):
        return self.aggregate(
            yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
        )


class Feedback(models.Model):
    """One answer to "Was this page helpful?": no name, address, session or time of day."""

    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True, max_length=MAX_COMMENT)
    day = models.DateField(default=timezone.localdate, editable=False)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = "page feedback"
        verbose_name_plural = "page feedback"

    def __str__(self):
        return f"{'Yes' if self.helpful else 'No'}: {self.page}"

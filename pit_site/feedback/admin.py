from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Answers to "Was this page helpful?", read only: editors read them to improve pages."""

    list_display = ["page", "helpful", "comment", "day"]
    list_filter = ["helpful", "day", "page"]
    search_fields = ["comment", "page__title"]
    date_hierarchy = "day"
    list_select_related = ["page"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PageFeedbackMixin:
    """For PageAdmin: each page's answers on the page list (last 30 days) and on its form (30
    and 365 days, and the latest comments). Only staff who may read feedback see them."""

    feedback_fields = ["feedback_on_page"]

    def get_queryset(self, request):
        cutoff = timezone.localdate() - timedelta(days=30)
        recent = Q(feedback__day__gt=cutoff)
        return (
            super()
            .get_queryset(request)
            .annotate(
                helpful_yes=Count("feedback", filter=recent & Q(feedback__helpful=True)),
                helpful_no=Count("feedback", filter=recent & Q(feedback__helpful=False)),
            )
        )

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if request.user.has_perm("feedback.view_feedback"):
            shown.append("helpful_30_days")
        return shown

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and request.user.has_perm("feedback.view_feedback"):
            fieldsets.append(("Was this page helpful?", {"fields": self.feedback_fields}))
        return fieldsets

    @admin.display(description="Helpful? (30 days)")
    def helpful_30_days(self, page):
        return f"{page.helpful_yes} yes, {page.helpful_no} no"

    @admin.display(description="Answers")
    def feedback_on_page(self, page):
        month, year = page.feedback.since(30).counts(), page.feedback.since(365).counts()
        comments = page.feedback.exclude(comment="").filter(helpful=False)[:20]
        items = format_html_join(
            "", "<li>{}: {}</li>", ((f.day.strftime("%-d %b %Y"), f.comment) for f in comments)
        )
        return format_html(
            "<p>Last 30 days: {} yes, {} no. Last 365 days: {} yes, {} no.</p>"
            '<p><a href="{}">All answers for this page</a></p>{}',
            month["yes"], month["no"], year["yes"], year["no"],
            reverse("admin:feedback_feedback_changelist") + f"?page__id__exact={page.pk}",
            format_html("<p>Latest comments:</p><ul>{}</ul>", items) if comments else "",
        )  # fmt: skip

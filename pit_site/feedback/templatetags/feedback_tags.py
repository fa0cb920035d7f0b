from django import template
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse

from pit_site.feedback.models import Feedback

register = template.Library()


@register.inclusion_tag("admin/feedback/monthly_summary.html", takes_context=True)
def feedback_summary(context, months=6):
    """Yes and No answers per month, newest first, for staff who may read feedback."""
    if not context["request"].user.has_perm("feedback.view_feedback"):
        return {"months": None}
    rows = (
        Feedback.objects.annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)),
                  comments=Count("pk", filter=~Q(comment="")))
        .order_by("-month")[:months]
    )  # fmt: skip
    return {"months": list(rows), "url": reverse("admin:feedback_feedback_changelist")}

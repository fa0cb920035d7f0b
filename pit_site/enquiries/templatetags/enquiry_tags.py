import datetime

from django import template
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from pit_site.enquiries.models import Enquiry, RefusedEnquiries, Status

register = template.Library()


@register.inclusion_tag("admin/enquiries/new_notice.html", takes_context=True)
def new_enquiries_notice(context):
    user = context["request"].user
    if not user.has_perm("enquiries.view_enquiry"):
        return {"count": None}
    week_ago = timezone.localdate() - datetime.timedelta(days=6)
    refused = RefusedEnquiries.objects.filter(day__gte=week_ago).aggregate(n=Sum("count"))["n"]
    return {
        "count": Enquiry.objects.filter(status=Status.NEW).count(),
        "url": reverse("admin:enquiries_enquiry_changelist") + "?status__exact=new",
        "refused": refused or 0,
    }

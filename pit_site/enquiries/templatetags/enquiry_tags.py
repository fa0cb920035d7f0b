from django import template
from django.urls import reverse

from pit_site.enquiries.models import Enquiry, Status

register = template.Library()


@register.inclusion_tag("admin/enquiries/new_notice.html", takes_context=True)
def new_enquiries_notice(context):
    user = context["request"].user
    if not user.has_perm("enquiries.view_enquiry"):
        return {"count": None}
    return {
        "count": Enquiry.objects.filter(status=Status.NEW).count(),
        "url": reverse("admin:enquiries_enquiry_changelist") + "?status__exact=new",
    }

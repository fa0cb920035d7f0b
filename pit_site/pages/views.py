from itertools import groupby

from django.shortcuts import get_object_or_404, render
from django.template.loader import select_template
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from pit_site.clinic.models import Clinic
from pit_site.pagecache import mark_public

from . import bodymap, seo
from .models import Kind, Page, Region, linkable

REGION_ORDER = {value: index for index, value in enumerate(Region.values)}


def can_preview(user):
    return user.is_active and user.is_staff and user.has_perm("pages.view_page")


@require_safe
def page(request, path=""):
    staff = can_preview(request.user)
    pages = Page.objects.all() if staff else Page.objects.published()
    page = get_object_or_404(pages, path=path)
    context = {"page": page, "can_edit": staff and request.user.has_perm("pages.change_page")}
    if page.kind == Kind.SECTION:
        context["regions"] = _children_by_region(page)
        context["body_map"] = bodymap.linked_areas(context["regions"])
    elif page.kind == Kind.CONDITION:
        context["section"] = pages.filter(path=page.path.rpartition("/")[0]).first()
        context["body_map"] = bodymap.marked_areas(page.region)
    context["json_ld"] = seo.json_ld(page, Clinic.load(), context.get("section"))
    template = select_template([f"pages/{page.path or 'home'}.html", f"pages/{page.kind}.html"])
    response = render(request, template.template.name, context)
    if staff:  # drafts and staff links: never stored by any cache
        patch_cache_control(response, private=True, no_store=True)
    else:
        mark_public(response)
    return response


def _children_by_region(section):
    children = (
        Page.objects.published()
        .filter(path__startswith=f"{section.path}/")
        .only("path", "title", "nav_title", "summary", "region", "evidence", "order")
    )
    children = sorted(
        linkable(children), key=lambda p: (REGION_ORDER.get(p.region, 99), p.order, p.title)
    )
    return [
        (region, Region(region).label if region else "Other", list(pages))
        for region, pages in groupby(children, key=lambda p: p.region)
    ]

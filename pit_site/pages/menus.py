"""The header and footer menus, built from the pages editors tick ("show in header menu",
"show in footer"), by short label, in their Order, published pages only.

Public pages are stored whole by the page cache, menus included, so a cached page costs
nothing. Saving any page bumps the content version, which drops every stored page; the menus
are kept in the shared cache under that version too, so they are read from the database once
per content change, and a render in between costs two cache look-ups.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q
from django.utils.functional import SimpleLazyObject

from pit_site.pagecache import content_version

from .models import Page, linkable


@dataclass(frozen=True)
class MenuLink:
    url: str
    label: str


@dataclass(frozen=True)
class Menus:
    header: tuple
    footer: tuple


MENUS_SECONDS = 3600


def build_menus():
    pages = (
        Page.objects.published()
        .filter(Q(header_menu=True) | Q(footer_menu=True))
        .only("path", "title", "nav_title", "header_menu", "footer_menu", "order")
        .order_by("order", "title")
    )
    links = [(page, MenuLink(page.url, page.list_title)) for page in linkable(pages)]
    return Menus(
        header=tuple(link for page, link in links if page.header_menu),
        footer=tuple(link for page, link in links if page.footer_menu),
    )


def site_menus():
    key = f"menus:1:{content_version()}"  # raise the 1 when Menus changes shape
    menus = cache.get(key)
    if menus is None:
        menus = build_menus()
        cache.set(key, menus, MENUS_SECONDS)
    return menus


def menus(request):
    """Context processor: ``menus.header`` and ``menus.footer``, read only when a template
    uses them (the admin's pages do not)."""
    return {"menus": SimpleLazyObject(site_menus)}

"""A reference was saved or deleted: the pages showing it are rendered again."""

import logging

from pit_site.pages.models import Page
from pit_site.pages.rendering import RenderError

from .citations import STUDIES_RE, pages_citing

logger = logging.getLogger(__name__)


def reference_changed(sender, instance, **kwargs):
    if kwargs.get("created") is None:  # deleted: the pages listing studies by kind change
        pages = [p for p in Page.objects.filter(body__contains="{{") if STUDIES_RE.search(p.body)]
    else:
        pages = pages_citing(instance.key)
    for page in pages:
        try:
            changed = page.render()
        except RenderError as error:  # e.g. it cites a reference just deleted: keep its HTML
            logger.warning("Kept the HTML of /%s/: %s", page.path, error)
            continue
        if changed:
            page.save(update_fields=["body_html", "reading_grade", "updated_at"])

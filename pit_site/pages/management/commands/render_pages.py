from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from pit_site.pagecache import content_changed
from pit_site.pages.models import Page
from pit_site.pages.rendering import RenderError
from pit_site.search.index import rebuild as rebuild_search_index
from pit_site.search.models import SearchDocument


class Command(BaseCommand):
    help = (
        "Re-render every page's stored HTML with the current renderer and empty the page "
        "cache. Run after upgrading: content and edit times are kept; only stale HTML is "
        "rewritten."
    )

    def handle(self, *args, **options):
        stale = 0
        for page in Page.objects.all():
            try:
                changed = page.render()
            except RenderError as error:  # saved under older limits: it keeps the HTML it has
                self.stderr.write(f"kept the stored HTML of /{page.path}/: {error}")
                continue
            if changed:
                # update() skips save(), so the page's updated_at stays as it was.
                Page.objects.filter(pk=page.pk).update(
                    body_html=page.body_html, reading_grade=page.reading_grade
                )
                stale += 1
        # Always: an upgrade may change templates or styles while no stored HTML changes, and
        # cached pages would keep the old ones. (update() sends no signals either.)
        content_changed()
        if stale:
            rebuild_search_index(Page, SearchDocument)
        if stale or options["verbosity"] > 0:  # -v 0 (make run): quiet unless something changed
            self.stdout.write(
                ngettext("%d page re-rendered", "%d pages re-rendered", stale) % stale
            )

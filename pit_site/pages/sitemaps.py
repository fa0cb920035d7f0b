from django.contrib.sitemaps import Sitemap

from .models import Page


class PageSitemap(Sitemap):
    def items(self):
        return Page.objects.published().only("path", "updated_at").order_by("path")

    def lastmod(self, page):
        return page.updated_at

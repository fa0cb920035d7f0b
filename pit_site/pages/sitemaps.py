from django.contrib.sitemaps import Sitemap

from .models import Page, linkable


class PageSitemap(Sitemap):
    def items(self):
        return list(linkable(Page.objects.published().only("path", "updated_at").order_by("path")))

    def location(self, page):
        return page.url

    def lastmod(self, page):
        return page.updated_at

"""The URL space the site keeps for itself, apart from content pages."""

from django.conf import settings

# The admin (also when DJANGO_ADMIN_PATH moves it), files, the editor's endpoints, the health check.
SITE_SEGMENTS = ("admin", "static", "media", "editor", "healthz")


def site_segments():
    """First URL segments the site itself serves: no content page may take one (pages.content),
    and the page cache never looks them up (pit_site.pagecache)."""
    return frozenset((*SITE_SEGMENTS, settings.ADMIN_PATH.split("/")[0]))

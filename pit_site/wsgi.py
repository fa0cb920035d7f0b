"""WSGI entry point: `granian --interface wsgi pit_site.wsgi:application` (see the Procfile)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pit_site.settings")

django_application = get_wsgi_application()

from pit_site.pagecache import PageCache  # noqa: E402  (needs settings loaded)

# Published pages are served to patients from the shared cache, in front of Django.
application = PageCache(django_application)

from pit_site.proxy import TrustedProxyHeaders  # noqa: E402

# Outermost: the page cache and Django see proxy headers only from the proxy.
application = TrustedProxyHeaders(application)

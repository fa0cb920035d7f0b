from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView, TemplateView

from pit_site import health
from pit_site.pages import editor, seo
from pit_site.pages.media import serve_media
from pit_site.pages.sitemaps import PageSitemap

admin.site.site_header = "Clinic website admin"
admin.site.site_title = "Clinic website admin"
# Each role sees only a few lists, so the sidebar repeating them would only take room from
# the tables (reception's enquiry list needs the width).
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # Staff sign-in security (second factor, passkeys), before the admin's own catch-all.
    path(settings.ADMIN_PATH + "security/", include("pit_site.accounts.urls")),
    path(settings.ADMIN_PATH + "security/passkeys/", include("pit_site.accounts.webauthn_urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    # The markdownx widget's endpoints (MARKDOWNX_URLS_PATH / MARKDOWNX_UPLOAD_URLS_PATH).
    path("editor/preview/", editor.preview, name="editor-preview"),
    path("editor/upload/", editor.upload, name="editor-upload"),
    re_path(r"^media/(?P<path>.+)$", serve_media, name="media"),
    # It has a Last-Modified: without no-cache, a crawler's copy could keep an unpublished page.
    path(
        "sitemap.xml",
        cache_control(no_cache=True)(sitemap),
        {"sitemaps": {"pages": PageSitemap}},
        name="sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.png"))),
    path(".well-known/security.txt", seo.security_txt, name="security-txt"),
    path("", include("pit_site.search.urls")),
    path("", include("pit_site.feedback.urls")),
    path("", include("pit_site.enquiries.urls")),
    path("", include("pit_site.pages.urls")),
]

# Errors: the 500 page, or the 503 page when the database is down (pit_site.outage).
handler500 = "pit_site.outage.server_error"

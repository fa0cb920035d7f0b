"""Serving uploaded images.

Only the image types the upload path produces are served, each with nosniff and a CSP that
allows nothing to run, so even a file placed in the media folder by other means cannot act
as a web page. In production a shared volume or object storage may serve them instead; the
same headers belong there (see the deployment notes).
"""

from django.conf import settings
from django.http import Http404
from django.views.static import serve

SERVED_TYPES = (".jpg", ".png", ".webp")


def serve_media(request, path):
    if not path.lower().endswith(SERVED_TYPES):
        raise Http404("Not an image")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # names are never reused
    return response

"""The two endpoints the markdownx editor calls: live preview and image upload.

django-markdownx's own views answer anonymous requests, store files unchecked and preview
without sanitising, so they are not mounted. These replacements need a signed-in, active
staff member allowed to change pages, render with the site's one sanitising renderer and
store only images that ``images.clean_image`` has re-encoded, with their renditions. Every
refusal is a 4xx with a short message, never a 500: JSON for the upload, and for the preview a
note that markdownx puts in the preview pane (it shows whatever the preview answers).

The CSRF check runs in the views rather than in the middleware, after the checks that need
no request body (signed in, allowed, Content-Length under the cap). So a refused request is
never read, however large, and a stale CSRF token gets a message the editor can show
instead of Django's HTML error page.
"""

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.html import format_html
from django.utils.text import normalize_newlines
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pit_site.clinic.models import Clinic

from .figures import preview_figures
from .images import MAX_UPLOAD_BYTES, ImageRejected, clean_image, over_upload_limit
from .models import Image, Kind
from .rendering import MAX_BODY_CHARS, TOO_LONG, RenderError, render_markdown
from .renditions import renditions_or_none

# Room for the multipart headers, the CSRF token and the file name around the content.
MULTIPART_OVERHEAD = 64 * 1024
MAX_PREVIEW_BYTES = 4 * MAX_BODY_CHARS + MULTIPART_OVERHEAD  # UTF-8: up to 4 bytes a character
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD
TOO_LARGE = f"This file is too large: images can be up to {MAX_UPLOAD_BYTES // 1024 // 1024} MB."

csrf = CsrfViewMiddleware(lambda request: None)


def refusal(request, max_bytes, too_large):
    """(message, status) if the request is refused before its body is read, else None."""
    user = request.user
    if not user.is_authenticated:
        return "Your sign-in has expired. Sign in to the admin again, then reload this page.", 403
    if not (user.is_active and user.is_staff and user.has_perm("pages.change_page")):
        return "Your account is not allowed to edit pages.", 403
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "The request was malformed. Reload the page and try again.", 400
    if length > max_bytes:
        return too_large, 413
    if csrf.process_view(request, None, (), {}) is not None:
        return "This page is out of date. Copy your changes, reload the page, then try again.", 403
    return None


def preview_note(message, status):
    return HttpResponse(
        format_html('<p class="errornote">{}</p>', message),
        status=status,
        content_type="text/html; charset=utf-8",
    )


@csrf_exempt  # checked by refusal(), after the checks that need no body
@require_POST
def preview(request):
    refused = refusal(request, MAX_PREVIEW_BYTES, TOO_LONG)
    if refused:
        return preview_note(*refused)
    content = request.POST.get("content")
    if content is None:
        return preview_note("Nothing to preview.", 400)
    content = normalize_newlines(content)
    if len(content) > MAX_BODY_CHARS:
        return preview_note(TOO_LONG, 413)
    try:
        html = render_markdown(
            content, faq=request.GET.get("kind") == Kind.FAQ, clinic=Clinic.load()
        )
    except RenderError as error:
        return preview_note(f"Preview not shown: {error}", 400)
    return HttpResponse(preview_figures(html), content_type="text/html; charset=utf-8")


@csrf_exempt  # checked by refusal(), after the checks that need no body
@require_POST
def upload(request):
    refused = refusal(request, MAX_UPLOAD_REQUEST_BYTES, TOO_LARGE)
    if refused:
        message, status = refused
        return JsonResponse({"error": message}, status=status)
    over_limit = over_upload_limit(request)  # before the file is looked at
    if over_limit:
        return JsonResponse({"error": over_limit}, status=429)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": "Choose an image file to upload."}, status=400)
    try:
        cleaned = clean_image(upload)
    except ImageRejected as rejection:
        return JsonResponse({"error": str(rejection)}, status=rejection.status)
    image = Image.objects.create(file=cleaned, uploaded_by=request.user)
    renditions_or_none(image)  # made now, so saving a page that shows it need not wait
    return JsonResponse({"image_code": image.markdown})

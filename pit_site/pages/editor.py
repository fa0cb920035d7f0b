"""The two endpoints the markdownx editor calls: live preview and image upload.

django-markdownx's own views answer anonymous requests, store files unchecked and preview
without sanitising, so they are not mounted. These replacements need a signed-in, active
staff member allowed to change pages, render with the site's one sanitising renderer and
store only images that ``images.clean_image`` has re-encoded. Every refusal is a 4xx with a
short JSON message, never a 500.
"""

from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from .images import ImageRejected, clean_image
from .models import Image, Kind
from .rendering import render_markdown

MAX_BODY_CHARS = 200_000


def refuse(message, status):
    return JsonResponse({"error": message}, status=status)


def page_editor_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return refuse("Sign in to the admin to use the editor.", 403)
        if not (user.is_active and user.is_staff and user.has_perm("pages.change_page")):
            return refuse("Your account is not allowed to edit pages.", 403)
        return view(request, *args, **kwargs)

    return wrapped


@require_POST
@page_editor_required
def preview(request):
    content = request.POST.get("content")
    if content is None:
        return refuse("Nothing to preview.", 400)
    if len(content) > MAX_BODY_CHARS:
        return refuse(f"Pages can be up to {MAX_BODY_CHARS:,} characters long.", 413)
    html = render_markdown(content, faq=request.GET.get("kind") == Kind.FAQ)
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@require_POST
@page_editor_required
def upload(request):
    upload = request.FILES.get("image")
    if upload is None:
        return refuse("Choose an image file to upload.", 400)
    try:
        cleaned = clean_image(upload)
    except ImageRejected as rejection:
        return refuse(str(rejection), rejection.status)
    image = Image.objects.create(file=cleaned, uploaded_by=request.user)
    return JsonResponse({"image_code": image.markdown})

"""The editor's preview and upload endpoints: staff only, sanitised, images cleaned."""

import io
import os

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image as PILImage
from PIL import JpegImagePlugin

from pit_site.pages.editor import MAX_UPLOAD_REQUEST_BYTES
from pit_site.pages.models import Image, Page
from pit_site.pages.rendering import MAX_BODY_CHARS
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/editor/preview/", "/editor/upload/"]


def error_of(response):
    """The refusal as the editor shows it: the preview's note in the pane, or upload JSON."""
    if response["Content-Type"] == "application/json":
        return response.json()["error"]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    note = BeautifulSoup(response.content.decode(), "html.parser").select_one("p.errornote")
    return note.text


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = readinto = read


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png_bytes(size=(40, 30), color=(200, 30, 30), **save):
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, "PNG", **save)
    return out.getvalue()


def jpeg_with_exif(size=(64, 32), orientation=6):
    image = PILImage.new("RGB", size, (10, 120, 200))
    exif = PILImage.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90° to display
    exif[0x010F] = "SecretCam"  # Make
    exif[0x013B] = "Patient Name"  # Artist
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(client, data, name="photo.png", content_type="image/png"):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post("/editor/upload/", {"image": file}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_requests_are_refused(client, url):
    response = client.post(url, {"content": "# hi"})
    assert response.status_code == 403
    assert "Sign in to the admin again" in error_of(response)
    assert Client(enforce_csrf_checks=True).post(url, {"content": "x"}).status_code == 403


@pytest.mark.parametrize("url", ENDPOINTS)
def test_refused_requests_are_never_read(editor, url):
    """Sign-in, permission and size come before the CSRF check, which reads the body."""
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    unread = {"CONTENT_TYPE": "multipart/form-data; boundary=x", "wsgi.input": Unreadable()}
    response = client.post(url, CONTENT_LENGTH="1000", **unread)
    assert response.status_code == 403 and "Sign in" in error_of(response)

    sign_in(client, editor)
    response = client.post(url, CONTENT_LENGTH=str(MAX_UPLOAD_REQUEST_BYTES * 10), **unread)
    assert response.status_code == 413
    assert "up to" in error_of(response)
    response = client.post(url, CONTENT_LENGTH="lots", **unread)
    assert response.status_code == 400 and "malformed" in error_of(response)


def test_upload_over_the_cap_is_refused_on_its_content_length(editor_client):
    """A body that claims more than the cap is refused before the file is looked at."""
    file = SimpleUploadedFile("x.png", png_bytes(), content_type="image/png")
    response = editor_client.post(
        "/editor/upload/", {"image": file}, CONTENT_LENGTH=str(MAX_UPLOAD_REQUEST_BYTES + 1)
    )
    assert response.status_code == 413
    assert response.json() == {"error": "This file is too large: images can be up to 10 MB."}
    assert not Image.objects.exists()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_stale_csrf_token_gets_a_message_the_editor_can_show(editor, url):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, editor)
    client.get("/admin/pages/page/")  # sets the CSRF cookie, as opening the editor does
    response = client.post(url, {"content": "x", "csrfmiddlewaretoken": "stale" * 8})
    assert response.status_code == 403
    assert "out of date" in error_of(response) and "reload the page" in error_of(response)

    token = client.cookies["csrftoken"].value
    response = client.post(url, {"content": "*ok*", "csrfmiddlewaretoken": token})
    if url == "/editor/preview/":
        assert response.status_code == 200 and response.content == b"<p><em>ok</em></p>"
    else:
        assert response.status_code == 400 and "Choose an image" in error_of(response)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_staff_without_page_permission_and_non_staff_are_refused(client, url):
    staff = User.objects.create_user("noperm", password="x", is_staff=True)
    sign_in(client, staff)
    assert client.post(url, {"content": "x"}).status_code == 403

    from django.contrib.auth.models import Group

    outsider = User.objects.create_user("outsider", password="x", is_staff=False)
    outsider.groups.add(Group.objects.get(name="Content editors"))
    sign_in(client, outsider)
    assert client.post(url, {"content": "x"}).status_code == 403


@pytest.mark.parametrize("url", ENDPOINTS)
def test_only_post_is_allowed(editor_client, url):
    assert editor_client.get(url).status_code == 405


@pytest.mark.parametrize("url", ["/markdownx/upload/", "/markdownx/markdownify/"])
def test_markdownx_own_unsafe_views_are_not_mounted(editor_client, url):
    png = SimpleUploadedFile("x.png", png_bytes(), content_type="image/png")
    assert editor_client.post(url, {"content": "x", "image": png}).status_code == 405
    assert editor_client.get(url).status_code == 404
    assert not Image.objects.exists()


def test_no_url_anywhere_leads_to_a_markdownx_view():
    from django.urls import URLPattern, URLResolver, get_resolver

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    modules = {getattr(view, "__module__", "") or "" for view in views(get_resolver().url_patterns)}
    assert "pit_site.pages.editor" in modules
    assert not [module for module in modules if module.startswith("markdownx")]


def test_preview_uses_the_sanitising_renderer(editor_client):
    response = editor_client.post(
        "/editor/preview/",
        {"content": "## Hi\n\n<script>alert(1)</script><img src=x onerror=alert(1)>"
         "[x](javascript:alert(1))"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="hi">Hi</h2>' in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_faq_preview_shows_questions_as_on_the_site(editor_client):
    html = editor_client.post("/editor/preview/?kind=faq", {"content": "## Q?\n\nA."}).content
    assert b'<details class="faq-item" id="q">' in html


def test_preview_equals_the_public_page_for_the_same_markdown(editor_client, client):
    markdown = (
        "Intro with a [link](https://www.nhs.uk/) and a reference.[^1]\r\n\r\n"
        "## A question?\r\n\r\n| Visit | Cost |\r\n|---|---|\r\n| First | £80 |\r\n\r\n"
        "![A knee](/media/images/knee.png)\r\n\r\n[^1]: Smith, 2020."
    )
    for path in ["fees", "faqs"]:
        page = Page.objects.get(path=path)
        page.body = markdown
        page.save()
        url = f"/editor/preview/?kind={page.kind}"
        preview = editor_client.post(url, {"content": markdown}).content.decode()
        public = client.get(page.get_absolute_url()).content.decode()
        assert f'<div class="prose">\n    {preview}\n  </div>' in public, path


def test_preview_bad_requests_get_clear_4xx(editor_client):
    response = editor_client.post("/editor/preview/", {})
    assert response.status_code == 400 and error_of(response) == "Nothing to preview."
    response = editor_client.post("/editor/preview/", {"content": "x" * (MAX_BODY_CHARS + 1)})
    assert response.status_code == 413 and f"{MAX_BODY_CHARS:,} characters" in error_of(response)
    # Line ends count once, as they are stored: 63,000 characters sent, 49,000 kept.
    response = editor_client.post("/editor/preview/", {"content": "Line.\r\n\r\n" * 7_000})
    assert response.status_code == 200 and response.content.count(b"<p>Line.</p>") == 7_000
    odd = "\u202e\x00 {{ x }} {% now 'Y' %} ' OR 1=1 --"
    response = editor_client.post("/editor/preview/", {"content": odd})
    assert response.status_code == 200 and b"{{ x }}" in response.content
    # a lone surrogate, as raw bytes no browser should send
    response = editor_client.post(
        "/editor/preview/", "content=%ED%A0%80", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200


def test_good_upload_is_stored_under_a_server_chosen_name(editor_client, media_root):
    response = upload(editor_client, png_bytes(), name="../../evil name.png")
    assert response.status_code == 200
    image = Image.objects.get()
    # The alt text is a placeholder the form refuses, so the editor must describe the image.
    assert response.json() == {"image_code": f"![Describe the image]({image.file.url})"}
    stored = os.path.basename(image.file.name)
    assert stored.endswith(".png") and "evil" not in stored and len(stored) == 36
    assert (media_root / image.file.name).exists()
    assert image.uploaded_by.username == "eddie"


@pytest.mark.parametrize(
    ("name", "data", "content_type", "status"),
    [
        (
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script>'
            b"</svg>",
            "image/svg+xml",
            400,
        ),
        ("x.gif", b"<html><script>alert(document.cookie)</script></html>", "image/gif", 400),
        ("x.html", b"<html><body>hi</body></html>", "text/html", 400),
        (
            "gif.gif",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
            b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "image/gif",
            400,
        ),  # fmt: skip
        ("truncated.png", png_bytes((400, 400))[:300], "image/png", 400),
        ("empty.png", b"", "image/png", 400),
        ("huge.png", png_bytes() + b"\0" * (20 * 1024 * 1024), "image/png", 413),
    ],
)
def test_hostile_uploads_are_refused_with_a_clear_4xx(editor_client, name, data, content_type,
                                                      status):  # fmt: skip
    response = upload(editor_client, data, name=name, content_type=content_type)
    assert response.status_code == status, response.content
    assert response.json()["error"]
    assert not Image.objects.exists()


def test_decompression_bomb_is_refused(editor_client):
    out = io.BytesIO()
    PILImage.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 megapixels, a few KB
    response = upload(editor_client, out.getvalue())
    assert response.status_code == 400 and not Image.objects.exists()


def test_sixteen_bit_greyscale_is_scaled_to_eight_bits_not_clipped(editor_client, media_root):
    gradient = PILImage.new("I;16", (256, 2))
    gradient.putdata([x * 257 for x in range(256)] * 2)  # 0 to 65535: black to white
    out = io.BytesIO()
    gradient.save(out, "PNG")
    assert upload(editor_client, out.getvalue()).status_code == 200
    with PILImage.open(media_root / Image.objects.get().file.name) as stored:
        assert stored.format == "PNG" and stored.mode == "L"
        assert [stored.getpixel((x, 0)) for x in (0, 64, 128, 255)] == [0, 64, 128, 255]


def test_cmyk_jpeg_and_palette_png_are_accepted_and_reencoded(editor_client, media_root):
    out = io.BytesIO()
    PILImage.new("CMYK", (30, 20), (0, 255, 255, 0)).save(out, "JPEG")  # red, in print colours
    assert upload(editor_client, out.getvalue(), name="print.jpg").status_code == 200
    with PILImage.open(media_root / Image.objects.get().file.name) as stored:
        assert stored.format == "JPEG" and stored.mode == "RGB"
        red, green, blue = stored.getpixel((15, 10))
        assert red > 200 and green < 60 and blue < 60

    palette = PILImage.new("P", (30, 20))
    palette.putpalette([255, 255, 255, 0, 90, 160] + [0] * 762)
    palette.paste(1, (0, 0, 15, 20))
    out = io.BytesIO()
    palette.save(out, "PNG", transparency=0)
    assert upload(editor_client, out.getvalue(), name="chart.png").status_code == 200
    stored_file = media_root / Image.objects.first().file.name
    assert stored_file.read_bytes() != out.getvalue()  # re-encoded, not stored as sent
    with PILImage.open(stored_file) as stored:
        assert stored.format == "PNG"
        rgba = stored.convert("RGBA")
        assert rgba.getpixel((5, 5)) == (0, 90, 160, 255)
        assert rgba.getpixel((25, 5))[3] == 0  # the transparent background stays transparent


def test_missing_file_is_a_clear_400(editor_client):
    response = editor_client.post("/editor/upload/", {})
    assert response.status_code == 400 and "Choose an image" in response.json()["error"]


def test_wrong_extension_gets_the_real_one(editor_client):
    assert upload(editor_client, jpeg_with_exif(), name="photo.png").status_code == 200
    assert Image.objects.get().file.name.endswith(".jpg")
    assert (
        upload(editor_client, png_bytes(), name="page.html", content_type="text/html").status_code
        == 200
    )
    assert Image.objects.first().file.name.endswith(".png")


def test_exif_is_removed_and_orientation_applied(editor_client, media_root):
    assert upload(editor_client, jpeg_with_exif((64, 32)), name="p.jpg").status_code == 200
    image = Image.objects.get()
    with PILImage.open(media_root / image.file.name) as stored:
        assert stored.size == (32, 64)  # rotated upright, as the camera meant
        assert not stored.getexif()
        assert "exif" not in stored.info
    assert b"SecretCam" not in (media_root / image.file.name).read_bytes()


def test_large_photos_are_resized(editor_client, media_root):
    assert upload(editor_client, png_bytes((4000, 3000)), name="big.png").status_code == 200
    image = Image.objects.get()
    assert (image.width, image.height) == (1600, 1200)


def test_webp_is_accepted(editor_client):
    out = io.BytesIO()
    PILImage.new("RGB", (20, 20)).save(out, "WEBP")
    assert (
        upload(editor_client, out.getvalue(), name="x.webp", content_type="image/webp").status_code
        == 200
    )


def test_media_is_served_with_nosniff_and_a_locked_down_csp(editor_client, client, media_root):
    upload(editor_client, png_bytes())
    url = Image.objects.get().file.url
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    (media_root / "images" / "note.html").write_text("<script>alert(1)</script>")
    assert client.get("/media/images/note.html").status_code == 404
    assert client.get("/media/../pit_site/settings.py").status_code == 404


def test_a_png_over_the_pixel_limit_is_refused_before_it_is_decoded(editor_client):
    """Issue 15.4: a 155 KB 6324x6324 PNG was decoded (and took 0.5 GB) before being stored."""
    out = io.BytesIO()
    PILImage.new("L", (5000, 4000)).save(out, "PNG")  # 20 megapixels in a few KB
    response = upload(editor_client, out.getvalue())
    assert response.status_code == 400
    assert response.json()["error"] == (
        "This image is 5000 × 4000 pixels (20 megapixels). Images can be up to 12 megapixels, "
        "or 50 for JPEG photos: make it smaller and try again."
    )
    assert not Image.objects.exists()


def test_a_large_jpeg_photo_is_decoded_at_a_reduced_scale_and_stored(editor_client, monkeypatch):
    """A 48-megapixel phone photo is accepted: JPEG can be decoded at 1/2, 1/4 or 1/8 scale."""
    drafts = []
    original_draft = JpegImagePlugin.JpegImageFile.draft

    def draft(self, mode, size):
        drafts.append(size)
        return original_draft(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", draft)
    out = io.BytesIO()
    PILImage.new("L", (8000, 6000), 128).save(out, "JPEG")
    response = upload(editor_client, out.getvalue(), name="phone.jpg", content_type="image/jpeg")
    assert response.status_code == 200, response.content
    assert (Image.objects.get().width, Image.objects.get().height) == (1600, 1200)
    assert drafts[0] == (1600, 1200)  # a 1/4-scale decode: 2000 x 1500


@pytest.fixture
def upload_limit(settings):
    settings.IMAGE_UPLOAD_RATE_LIMIT = "3/m"


def test_uploads_over_the_per_user_rate_are_refused_with_429(editor_client, upload_limit):
    """Issue 15.4: 40 uploads in 0.8 s were all accepted. Refused ones count too."""
    assert upload(editor_client, b"not an image").status_code == 400
    assert [upload(editor_client, png_bytes()).status_code for _ in range(3)] == [200, 200, 429]
    response = upload(editor_client, png_bytes())
    assert response.status_code == 429
    assert response.json()["error"] == (
        "You have uploaded a lot of images in a short time: up to 3 a minute. Wait a minute, "
        "then try again."
    )
    assert Image.objects.count() == 2

    other = Client()
    sign_in(other, User.objects.create_user("ola", is_staff=True, is_superuser=True))
    assert upload(other, png_bytes()).status_code == 200  # counted per user


def test_the_upload_rate_limit_fails_open_when_the_shared_cache_is_down(
    editor_client, upload_limit, settings, caplog
):
    settings.CACHES = {
        **settings.CACHES,
        "down": {  # nothing listens on port 1
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    settings.RATELIMIT_USE_CACHE = "down"
    assert [upload(editor_client, png_bytes()).status_code for _ in range(4)] == [200] * 4
    assert "upload rate limit not checked (ConnectionError); upload accepted" in caplog.text


def test_the_admin_image_form_counts_towards_the_same_limit(editor_client, upload_limit):
    for _ in range(3):
        upload(editor_client, png_bytes())
    file = SimpleUploadedFile("chart.png", png_bytes(), content_type="image/png")
    response = editor_client.post("/admin/pages/image/add/", {"file": file, "note": "A chart"})
    assert response.status_code == 200
    assert "up to 3 a minute" in str(response.context["adminform"].form.errors["file"])
    assert Image.objects.count() == 3

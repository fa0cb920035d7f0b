"""Uploaded images on pages become responsive figures: <picture> with WebP and JPEG/PNG
copies, srcset and sizes, width and height, lazy loading after the first image, and the image's
title as its caption. Other images stay as they were, and editors cannot write any of it."""

import io
import logging

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from pit_site.pages.models import Image, Page
from pit_site.pages.pictures import SIZES
from pit_site.pages.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

pytestmark = pytest.mark.django_db

# What the figure step adds to the sanitiser's allowlist, and nothing else.
FIGURE_ATTRIBUTES = {
    "source": {"type", "srcset", "sizes"},
    "img": {"srcset", "sizes", "loading", "decoding"},
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg(size=(1600, 1200)):
    out = io.BytesIO()
    PILImage.new("RGB", size, (40, 110, 160)).save(out, "JPEG")
    return out.getvalue()


def uploaded(size=(1600, 1200), name="knee"):
    """An uploaded image (stored without renditions, as before this feature)."""
    stored = default_storage.save(f"images/2026/12/{name}.jpg", ContentFile(jpeg(size)))
    return Image.objects.create(file=stored, width=size[0], height=size[1])


@pytest.fixture
def knee():
    return uploaded()


def parsed(html):
    return BeautifulSoup(html, "html.parser")


def test_an_uploaded_image_alone_in_a_paragraph_becomes_a_figure_with_its_caption(knee):
    url = knee.file.url
    html = render_markdown(f'Intro.\n\n![A knee being examined]({url} "Where the needle goes")')
    doc = parsed(html)
    figure = doc.select_one("figure")
    assert figure.parent.name == "[document]"  # not inside a <p>
    stem = url.rsplit(".", 1)[0]
    source = figure.select_one("picture > source")
    assert source["type"] == "image/webp" and source["sizes"] == SIZES
    assert (
        source["srcset"] == f"{stem}-400w.webp 400w, {stem}-800w.webp 800w, {stem}-1600w.webp 1600w"
    )
    img = figure.select_one("picture > img")
    assert img["srcset"] == f"{stem}-400w.jpg 400w, {stem}-800w.jpg 800w, {url} 1600w"
    assert img["src"] == url and img["sizes"] == SIZES
    assert (img["width"], img["height"]) == ("1600", "1200")
    assert img["alt"] == "A knee being examined"
    assert "title" not in img.attrs and "loading" not in img.attrs  # the first image: eager
    assert figure.select_one("figcaption").text == "Where the needle goes"
    assert doc.select_one("p").text == "Intro."


def test_every_copy_in_the_srcsets_exists_after_rendering(knee, media_root, client):
    doc = parsed(render_markdown(f"![A knee]({knee.file.url})"))
    assert not doc.select("figcaption")
    addresses = [
        candidate.split()[0]
        for tag in doc.select("[srcset]")
        for candidate in tag["srcset"].split(", ")
    ]
    assert len(addresses) == 6
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        assert response["Content-Type"] in {"image/webp", "image/jpeg"}


def test_images_after_the_first_load_lazily(knee):
    second = uploaded((800, 600), "second")
    doc = parsed(render_markdown(f"![One]({knee.file.url})\n\nText.\n\n![Two]({second.file.url})"))
    first_img, second_img = doc.select("picture img")
    assert "loading" not in first_img.attrs and "decoding" not in first_img.attrs
    assert (second_img["loading"], second_img["decoding"]) == ("lazy", "async")
    # A 800 px image is not offered wider than it is.
    assert second_img["srcset"].endswith("second.jpg 800w") and "1600w" not in str(second_img)


def test_an_image_inside_a_sentence_gets_a_picture_but_no_figure(knee):
    html = render_markdown(f'See ![the knee]({knee.file.url} "Knee") here.')
    doc = parsed(html)
    assert not doc.select("figure")
    assert doc.select_one("p > picture > img")["title"] == "Knee"
    assert doc.select_one("p").text == "See  here."


@pytest.mark.parametrize(
    "markdown",
    [
        "![A chart](https://www.nhs.uk/chart.png)",
        "![A chart](/media/images/2026/12/not-uploaded.jpg)",
        '![A chart](/static/img/favicon.png "Icon")',
    ],
)
def test_other_images_stay_as_they_were(knee, markdown, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        html = render_markdown(markdown)
    assert "<picture" not in html and "<figure" not in html and "srcset" not in html
    assert html.startswith("<p><img ")


def test_pages_without_uploaded_images_do_not_look_in_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        render_markdown("Text and ![x](https://a.example/x.png) and [a link](/media/x).")


HOSTILE = [
    '<img src="{url}" alt="x" srcset="javascript:alert(1) 1x, data:text/html,<script> 2x">',
    '<img src="{url}" alt="x" onerror="alert(1)" onload="alert(1)" loading="eager">',
    '<img src="{url}" alt="x" sizes="' + "(min-width: 1px) 100000vw, " * 1500 + '1px">',
    '<img src="{url}" alt="x" width="99999" height="1" style="position:fixed">',
    '<picture><source srcset="javascript:alert(1)" type="image/webp">'
    '<img src="{url}" alt="x"></picture>',
    '<picture><source srcset="https://evil.example/x.webp 400w">'
    '<img src="https://evil.example/x.png" srcset="https://evil.example/y.png 1x" alt="x">'
    "</picture>",
    '<figure><img src="{url}" alt="x" srcset="{url} 9999w"><figcaption onclick="alert(1)">c'
    "</figcaption></figure>",
    '![x" onerror="alert(1)]({url} "a\\" onmouseover=\\"alert(1)")',
    '![<script>alert(1)</script>]({url} "<img src=x onerror=alert(1)>")',
    '![\u202e\u0000 \' OR 1=1 -- 🦵]({url} "Zalgo z̵̡̛a̸l̵g̶o\u200d 🦵")',
]


def assert_only_our_markup(html, url):
    doc = parsed(html)
    for tag in doc.find_all(True):
        assert tag.name in ALLOWED_TAGS | {"picture", "source"}, tag.name
        allowed = (
            ALLOWED_ATTRIBUTES.get(tag.name, set())
            | FIGURE_ATTRIBUTES.get(tag.name, set())
            | ALLOWED_ATTRIBUTES["*"]
            | {"class", "rel"}
        )
        for name, value in tag.attrs.items():
            assert name in allowed, (tag.name, name)
            assert "javascript" not in value.lower()
            assert "evil.example" not in value or (tag.name, name) == ("img", "src")
            if name == "sizes":
                assert value == SIZES
            if name == "srcset":
                assert all(c.startswith(url.rsplit(".", 1)[0]) for c in value.split(", "))
            if name in {"width", "height"}:
                assert value in {"1600", "1200"}
    assert "<script" not in html and "<img src=x" not in html


@pytest.mark.parametrize("markdown", HOSTILE)
def test_editors_cannot_write_their_own_srcset_sizes_or_handlers(knee, markdown):
    url = knee.file.url
    html = render_markdown(markdown.replace("{url}", url))
    assert_only_our_markup(html, url)
    assert html.count(f"{url.rsplit('.', 1)[0]}-400w.webp 400w") <= 1


def test_alt_text_and_caption_are_escaped_and_kept_whole(knee):
    html = render_markdown(f'![Knee & "hip" <b>]({knee.file.url} "Caption <i>not</i> & more")')
    img = parsed(html).select_one("img")
    assert img["alt"] == 'Knee & "hip" <b>'
    assert parsed(html).select_one("figcaption").text == "Caption <i>not</i> & more"
    assert "<i>" not in html and "<b>" not in html


def test_a_damaged_stored_image_is_shown_as_before_and_logged(knee, media_root, caplog):
    (media_root / knee.file.name).write_bytes(b"not an image any more")
    with caplog.at_level(logging.WARNING, logger="pit_site.pages.renditions"):
        html = render_markdown(f"![A knee]({knee.file.url})")
    assert html == f'<p><img alt="A knee" src="{knee.file.url}"></p>'
    assert f"Image {knee.file.name} shown without renditions" in caplog.text
    (media_root / knee.file.name).unlink()
    assert render_markdown(f"![A knee]({knee.file.url})") == html  # missing: the same


def test_the_public_page_and_the_preview_show_the_figure(knee, editor_client, client):
    page = Page.objects.get(path="fees")
    markdown = f'{page.body}\n\n![A knee]({knee.file.url} "The knee")\n'
    page.body = markdown
    page.save()
    public = parsed(client.get("/fees/").content).select_one(".prose")
    preview = parsed(editor_client.post("/editor/preview/", {"content": markdown}).content)
    assert public.select_one("figure figcaption").text == "The knee"
    assert str(public.select_one("figure")) == str(preview.select_one("figure"))


def test_an_upload_makes_its_renditions_at_once(editor_client, media_root):
    file = SimpleUploadedFile("photo.jpg", jpeg((2000, 1500)), content_type="image/jpeg")
    response = editor_client.post("/editor/upload/", {"image": file})
    assert response.status_code == 200
    image = Image.objects.get()
    stem = image.file.name.rsplit(".", 1)[0]
    made = sorted(path.name for path in (media_root / stem).parent.iterdir())
    name = stem.rsplit("/", 1)[1]
    assert made == sorted(
        [f"{name}.jpg", f"{name}-400w.jpg", f"{name}-800w.jpg"]
        + [f"{name}-{w}w.webp" for w in (400, 800, 1600)]
    )


def test_an_upload_whose_renditions_fail_is_kept_and_they_are_made_on_first_use(
    editor_client, media_root, monkeypatch, caplog
):
    from pit_site.pages import renditions as renditions_module

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    store = renditions_module._store
    monkeypatch.setattr(renditions_module, "_store", disk_full)
    file = SimpleUploadedFile("photo.jpg", jpeg((900, 600)), content_type="image/jpeg")
    with caplog.at_level(logging.WARNING, logger="pit_site.pages.renditions"):
        response = editor_client.post("/editor/upload/", {"image": file})
    assert response.status_code == 200 and "No space left" in caplog.text
    image = Image.objects.get()
    assert "<picture" not in render_markdown(f"![A photo]({image.file.url})")

    monkeypatch.setattr(renditions_module, "_store", store)  # space again
    assert "<picture" in render_markdown(f"![A photo]({image.file.url})")


def test_an_image_added_in_the_admin_gets_its_renditions_at_once(editor_client, media_root):
    file = SimpleUploadedFile("photo.png", jpeg((1000, 500)), content_type="image/png")
    response = editor_client.post("/admin/pages/image/add/", {"file": file, "note": "A knee"})
    assert response.status_code == 302
    image = Image.objects.get()
    stem = (media_root / image.file.name).with_suffix("")
    assert image.file.name.endswith(".jpg")  # named by what it is, not what it claims
    for suffix in ("-400w.jpg", "-800w.jpg", "-400w.webp", "-800w.webp", "-1000w.webp"):
        assert stem.with_name(stem.name + suffix).exists(), suffix

"""Renditions of uploaded images: WebP and JPEG/PNG copies at 400, 800 and 1600 px wide, made
once and stored beside the original, never wider than it, upright and without metadata."""

import io
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from pit_site.pages import renditions as renditions_module
from pit_site.pages.images import ImageRejected
from pit_site.pages.models import Image
from pit_site.pages.renditions import plan, renditions, widths

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def encoded(image, image_format, **options):
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def photo(size):
    """Smooth colour with some detail, like a photo."""
    small = PILImage.linear_gradient("L").resize((64, 48))
    bands = [small, small.rotate(90), small.transpose(PILImage.FLIP_LEFT_RIGHT)]
    return PILImage.merge("RGB", bands).resize(size, PILImage.BILINEAR)


def stored_image(data, extension, size, name="abc"):
    """An Image as the upload path stores it (no renditions yet)."""
    stored = default_storage.save(f"images/2026/12/{name}.{extension}", ContentFile(data))
    return Image.objects.create(file=stored, width=size[0], height=size[1])


def opened(name):
    with default_storage.open(name, "rb") as file:
        image = PILImage.open(io.BytesIO(file.read()))
        image.load()
        return image


@pytest.mark.parametrize(
    ("width", "expected"),
    [(1600, [400, 800, 1600]), (1000, [400, 800, 1000]), (800, [400, 800]), (400, [400]),
     (120, [120]), (2400, [400, 800, 1600])],
)  # fmt: skip
def test_widths_are_400_800_1600_and_never_wider_than_the_image(width, expected):
    assert widths(width) == expected


def test_a_jpeg_photo_gets_webp_and_jpeg_copies_at_each_width(media_root):
    image = stored_image(encoded(photo((1600, 1200)), "JPEG", quality=85), "jpg", (1600, 1200))
    made = renditions(image)
    folder = image.file.name.rsplit("/", 1)[0]
    stem = image.file.name.rsplit(".", 1)[0]
    assert [(r.name, r.width, r.height) for r in made.webp] == [
        (f"{stem}-400w.webp", 400, 300), (f"{stem}-800w.webp", 800, 600),
        (f"{stem}-1600w.webp", 1600, 1200),
    ]  # fmt: skip
    # The widest JPEG is the original itself: the same width and format.
    assert [(r.name, r.width) for r in made.fallback] == [
        (f"{stem}-400w.jpg", 400), (f"{stem}-800w.jpg", 800), (image.file.name, 1600),
    ]  # fmt: skip
    assert made.fallback_format == "JPEG" and folder.startswith("images/")
    for copy in made.all():
        stored = opened(copy.name)
        assert stored.size == (copy.width, copy.height)
        assert stored.format == {"webp": "WEBP", "jpg": "JPEG"}[copy.name.rsplit(".", 1)[1]]
    small_webp, small_jpeg = (media_root / made.webp[0].name), (media_root / made.fallback[0].name)
    assert b"VP8 " in small_webp.read_bytes()  # lossy, like the JPEG
    original = media_root / image.file.name
    assert small_webp.stat().st_size < small_jpeg.stat().st_size < original.stat().st_size / 4


def test_a_small_png_is_never_upscaled_and_keeps_its_transparency(media_root):
    chart = PILImage.new("RGBA", (300, 200), (0, 90, 160, 255))
    chart.paste((0, 0, 0, 0), (0, 0, 150, 200))  # left half transparent
    image = stored_image(encoded(chart, "PNG"), "png", (300, 200))
    made = renditions(image)
    assert [(r.width, r.height) for r in made.all()] == [(300, 200), (300, 200)]
    assert made.fallback[0].name == image.file.name and made.fallback_format == "PNG"
    webp = opened(made.webp[0].name)
    assert webp.format == "WEBP" and webp.mode == "RGBA"
    assert b"VP8L" in (media_root / made.webp[0].name).read_bytes()  # lossless, like the PNG
    assert webp.getpixel((10, 10))[3] == 0 and webp.getpixel((290, 10))[3] == 255


def test_a_webp_upload_falls_back_to_jpeg_or_to_png_with_transparency(media_root):
    opaque = stored_image(encoded(photo((900, 600)), "WEBP"), "webp", (900, 600), "opaque")
    made = renditions(opaque)
    assert made.fallback_format == "JPEG"
    assert made.webp[-1].name == opaque.file.name  # the original is the widest WebP
    assert [opened(r.name).format for r in made.fallback] == ["JPEG", "JPEG", "JPEG"]

    clear = PILImage.new("RGBA", (500, 100), (0, 0, 0, 0))
    see_through = stored_image(encoded(clear, "WEBP", lossless=True), "webp", (500, 100), "clear")
    made = renditions(see_through)
    assert made.fallback_format == "PNG"
    assert opened(made.fallback[0].name).getpixel((5, 5))[3] == 0


def test_orientation_is_applied_and_metadata_left_out(media_root):
    """An original stored with EXIF (not through the upload) still gives upright, clean copies."""
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° to display
    exif[0x013B] = "Patient Name"  # Artist
    data = encoded(photo((1000, 500)), "JPEG", exif=exif.tobytes(), icc_profile=b"x" * 200)
    image = stored_image(data, "jpg", (500, 1000))  # upright, as the upload would record it
    made = renditions(image)
    assert [(r.width, r.height) for r in made.webp] == [(400, 800), (500, 1000)]
    for copy in made.all():
        if copy.name == image.file.name:
            continue
        stored = opened(copy.name)
        assert stored.size == (copy.width, copy.height)
        assert not stored.getexif() and "icc_profile" not in stored.info
        assert b"Patient Name" not in default_storage.open(copy.name).read()


def test_renditions_are_made_once_and_then_only_looked_up(media_root, monkeypatch):
    image = stored_image(encoded(photo((800, 600)), "JPEG"), "jpg", (800, 600))
    first = renditions(image)
    written = {r.name: (media_root / r.name).stat().st_mtime_ns for r in first.all()}

    def fail(*args):
        raise AssertionError("made again")

    monkeypatch.setattr(renditions_module, "_make", fail)
    assert renditions(image) == first
    assert {r.name: (media_root / r.name).stat().st_mtime_ns for r in first.all()} == written


def test_a_missing_copy_is_made_again_and_only_that_one(media_root):
    image = stored_image(encoded(photo((800, 600)), "JPEG"), "jpg", (800, 600))
    made = renditions(image)
    kept = media_root / made.webp[1].name
    before = kept.stat().st_mtime_ns
    (media_root / made.webp[0].name).unlink()
    renditions(image)
    assert (media_root / made.webp[0].name).exists()
    assert kept.stat().st_mtime_ns == before


def test_copies_are_written_whole_under_a_temporary_name(media_root):
    image = stored_image(encoded(photo((1600, 1200)), "JPEG"), "jpg", (1600, 1200))
    errors = []

    def make():
        try:
            renditions(image)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    folder = media_root / image.file.name.rsplit("/", 1)[0]
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 6 and not [name for name in names if name.startswith(".")]
    for copy in plan(image.file.name, 1600, 1200, "JPEG").all():
        assert opened(copy.name).size == (copy.width, copy.height)  # whole, not cut short


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "JPEG, PNG or WebP"),
        (b"<html><script>alert(1)</script></html>", "JPEG, PNG or WebP"),
        (encoded(PILImage.new("RGB", (400, 400)), "PNG")[:300], "damaged or incomplete"),
        (encoded(PILImage.new("RGB", (40, 40)), "GIF"), "JPEG, PNG or WebP"),
        (encoded(PILImage.new("L", (5000, 4000)), "PNG"), "20 megapixels"),
    ],
    ids=["empty", "html", "truncated", "gif", "huge"],
)
def test_a_bad_stored_original_is_refused_with_a_clear_message(data, message):
    image = stored_image(data, "png", (1600, 1200))
    with pytest.raises(ImageRejected, match=message):
        renditions(image)


def test_a_missing_original_is_an_os_error():
    image = Image.objects.create(file="images/2026/12/gone.jpg", width=800, height=600)
    with pytest.raises(OSError):
        renditions(image)


@pytest.mark.parametrize("name", ["old.gif", "photo.jpeg", "no-extension"])
def test_a_file_not_named_as_uploads_are_gets_no_renditions(name):
    stored = default_storage.save(f"images/{name}", ContentFile(encoded(photo((50, 40)), "PNG")))
    image = Image.objects.create(file=stored, width=50, height=40)
    with pytest.raises(ImageRejected, match="JPEG, PNG or WebP"):
        renditions(image)


@pytest.mark.parametrize(
    ("mode", "image_format", "extension", "copy_mode"),
    [("CMYK", "JPEG", "jpg", "RGB"), ("L", "JPEG", "jpg", "RGB"), ("LA", "PNG", "png", "RGBA"),
     ("P", "PNG", "png", "RGBA"), ("1", "PNG", "png", "RGB"), ("I;16", "PNG", "png", "RGB")],
)  # fmt: skip
def test_odd_colour_modes_give_ordinary_copies(mode, image_format, extension, copy_mode):
    original = PILImage.new(mode, (900, 300))
    options = {"transparency": 0} if mode == "P" else {}
    image = stored_image(encoded(original, image_format, **options), extension, (900, 300))
    made = renditions(image)
    for copy in made.all():
        if copy.name != image.file.name:
            assert opened(copy.name).mode == copy_mode, copy.name


def test_on_storage_without_local_paths_copies_are_saved_whole_and_races_leave_one():
    """On object storage (S3 and the like, here Django's in-memory storage) each copy is one
    upload, and a copy another server stored meanwhile is kept, the duplicate deleted."""
    from types import SimpleNamespace

    from django.core.files.storage import InMemoryStorage

    from pit_site.pages.renditions import _store

    storage = InMemoryStorage()
    name = storage.save("images/2026/12/abc.jpg", ContentFile(encoded(photo((800, 600)), "JPEG")))
    image = SimpleNamespace(file=SimpleNamespace(name=name), width=800, height=600)
    made = renditions(image, storage)
    _dirs, files = storage.listdir("images/2026/12")
    assert sorted(files) == sorted(copy.name.rsplit("/", 1)[1] for copy in made.all())

    _store(storage, made.webp[0].name, b"the same copy, made by another server")
    assert sorted(storage.listdir("images/2026/12")[1]) == sorted(files)

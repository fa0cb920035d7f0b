"""Smaller copies ("renditions") of uploaded images, for responsive figures on pages.

Each uploaded image gets copies 400, 800 and 1600 px wide, never wider than the image itself
(a 1000 px image gets 400, 800 and 1000): one set in WebP, and one in the original's format as
a fallback (a WebP upload's fallback is JPEG, or PNG if it has transparency). The WebP copies
are lossy beside a JPEG and lossless beside a PNG (screenshots, charts). Where the width and
format match the original, the original itself is used. ``pages.pictures`` puts them in a
``<picture>``, so a phone downloads a 400 px copy instead of the whole image.

They are made once, when the image is uploaded, or for an older image the first time a page
showing it is rendered (``render_pages`` does this after an upgrade), never per page view. They
are stored with the default storage beside the original, under names made from it
(``images/2026/12/<name>-800w.webp``), so every app server finds them as it finds the
originals. In a media folder (FileSystemStorage) a file is written under a temporary name
and renamed into place, so two servers making the same copy at once, or a browser asking for
it meanwhile, never see half a file; object storage shows an upload only once it is whole.

Cost is bounded as for uploads: the same header checks before decoding, one image decoded at a
time per process (``images.decoding``), and a JPEG decoded at a reduced scale when that is
still big enough. ``python -m scripts.measure_renditions`` measures sizes and times.
"""

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from PIL import Image, ImageOps

from .images import FORMATS, ImageRejected, checked_format, decoding

logger = logging.getLogger(__name__)

WIDTHS = (400, 800, 1600)
SAVE_OPTIONS = {
    "WEBP": {"quality": 80, "method": 4},  # made lossless beside a PNG (_make)
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
}
EXTENSION_FORMATS = {extension: image_format for image_format, extension in FORMATS.items()}


@dataclass(frozen=True)
class Rendition:
    name: str  # in the default storage
    width: int
    height: int


@dataclass(frozen=True)
class Renditions:
    """An image's copies: WebP, and the fallback in ``fallback_format``; narrowest first."""

    webp: tuple[Rendition, ...]
    fallback: tuple[Rendition, ...]
    fallback_format: str

    def all(self):
        return self.webp + self.fallback


def widths(width):
    """The widths of an image's copies: each of WIDTHS below its own, then its own (capped)."""
    widest = min(width, WIDTHS[-1])
    return [*(w for w in WIDTHS if w < widest), widest]


def plan(name, width, height, fallback_format):
    """The Renditions of the stored image ``name`` (width × height px), made or not."""
    stem, extension = name.rsplit(".", 1)
    original_format = EXTENSION_FORMATS[extension.lower()]

    def copies(image_format):
        result = []
        for copy_width in widths(width):
            copy_height = max(1, round(height * copy_width / width))
            if copy_width == width and image_format == original_format:
                copy_name = name
            else:
                copy_name = f"{stem}-{copy_width}w.{FORMATS[image_format]}"
            result.append(Rendition(copy_name, copy_width, copy_height))
        return tuple(result)

    return Renditions(copies("WEBP"), copies(fallback_format), fallback_format)


def renditions(image, storage=default_storage):
    """The Renditions of ``image`` (a pages.Image), making any that are missing.

    Raises ImageRejected (with a message saying why) if the stored original is not an image
    we accept, or OSError if it cannot be read or the copies cannot be written.
    """
    name = image.file.name
    if name.rsplit(".", 1)[-1].lower() not in EXTENSION_FORMATS:  # not stored by an upload
        raise ImageRejected("Upload a photo or picture saved as JPEG, PNG or WebP.")
    planned = plan(name, image.width, image.height, _fallback_format(name, storage))
    missing = [copy for copy in planned.all() if not storage.exists(copy.name)]
    if missing:
        _make(name, planned, missing, storage)
    return planned


def renditions_or_none(image):
    """``renditions(image)``, or None (and a warning in the log) if they cannot be made: the
    image is then shown as it is, and they are tried again the next time it is rendered."""
    try:
        return renditions(image)
    except (ImageRejected, OSError) as error:
        logger.warning("Image %s shown without renditions: %s", image.file.name, error)
        return None


def _fallback_format(name, storage):
    """The original's own format, or for WebP: JPEG, or PNG if it has transparency."""
    image_format = EXTENSION_FORMATS[name.rsplit(".", 1)[-1].lower()]
    if image_format != "WEBP":
        return image_format
    with storage.open(name, "rb") as file, decoding(), Image.open(file) as header:
        return "PNG" if header.has_transparency_data else "JPEG"  # read from the header


def _make(name, planned, missing, storage):
    widest = planned.webp[-1]
    encoded = []
    with storage.open(name, "rb") as file, decoding():
        image_format = checked_format(file)
        with Image.open(file) as image:
            if image_format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale if still big enough
                image.draft(None, (max(widest.width, widest.height),) * 2)
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        image.info = {}  # made from pixels only: no EXIF, XMP, ICC or text chunks
        for copy in missing:
            resized = image.resize((copy.width, copy.height), Image.LANCZOS)
            copy_format = EXTENSION_FORMATS[copy.name.rsplit(".", 1)[-1]]
            if copy_format == "JPEG" and resized.mode != "RGB":
                resized = resized.convert("RGB")
            options = SAVE_OPTIONS[copy_format]
            if copy_format == "WEBP" and planned.fallback_format == "PNG":
                options = {**options, "lossless": True}  # screenshots, charts: sharp and small
            out = BytesIO()
            resized.save(out, copy_format, **options)
            encoded.append((copy.name, out.getvalue()))
    for copy_name, data in encoded:
        _store(storage, copy_name, data)


def _store(storage, name, data):
    """Write ``data`` as ``name`` whole or not at all: readers never see part of it."""
    if not isinstance(storage, FileSystemStorage):  # object storage: an upload appears whole
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # another server stored it first; its copy is the same picture
            storage.delete(saved)
        return
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", delete=False) as temp:
        temp.write(data)
    try:
        os.chmod(temp.name, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
        os.replace(temp.name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(temp.name)
        raise

"""Checking and cleaning images that staff upload for pages.

Only JPEG, PNG and WebP files that Pillow can fully decode are accepted, whatever the file
name or the browser's content type claim. Every image is re-encoded: that drops EXIF and
other metadata (location, camera, names) and anything hidden after the image data, after
applying the EXIF orientation so photos stay the right way up. Large photos are scaled down.
The server chooses the stored file name and extension from the decoded format.

Memory: a small file can hold a huge image (a 155 KB PNG of 6324 × 6324 pixels took 0.5 GB to
clean). The pixel count is read from the header and checked before anything is decoded; a
JPEG is decoded straight at 1/2, 1/4 or 1/8 scale when that is still at least the stored size
(``Image.draft``), so it may have more pixels than other formats; and one process cleans one
image at a time. ``python -m scripts.measure_uploads`` measures the peak per image.
"""

import contextlib
import logging
import math
import threading
import uuid
import warnings
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django_ratelimit.core import is_ratelimited
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600  # longest side after resizing, in pixels
# Checked before decoding. Stored images are at most 1600 px wide (2.6 megapixels); a 4K
# screenshot is 8 megapixels. Decoded, a pixel takes 4 bytes (RGB is stored as RGBX), and
# WebP is decoded through two more buffers, so 12 megapixels peaks at about 190 MB (measured).
# A JPEG is decoded at a reduced scale: a 48-megapixel phone photo peaks at about 30 MB.
MAX_PIXELS = 12_000_000
MAX_JPEG_PIXELS = 50_000_000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 4},
}
RATE_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
# Several uploads at once (one editor dropping ten images, or four editors) queue here rather
# than each holding a decoded image in memory at the same time.
_decoding = threading.Lock()


def _check_pixels(width, height, image_format):
    limit = MAX_JPEG_PIXELS if image_format == "JPEG" else MAX_PIXELS
    if width * height > limit:
        raise ImageRejected(
            f"This image is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels). "
            f"Images can be up to {MAX_PIXELS // 1_000_000} megapixels, or "
            f"{MAX_JPEG_PIXELS // 1_000_000} for JPEG photos: make it smaller and try again."
        )


def _fitted(size):
    """The size ``thumbnail`` will give an image of ``size``: within MAX_SIDE, same shape."""
    scale = min(1, MAX_SIDE / max(size))
    return tuple(math.ceil(side * scale) for side in size)


def over_upload_limit(request):
    """A message if this user has uploaded more images than IMAGE_UPLOAD_RATE_LIMIT allows
    (counting this one, accepted or not), else None. Counted in the shared cache; if that is
    down, the upload is allowed: an editor's work matters more than the count."""
    rate = settings.IMAGE_UPLOAD_RATE_LIMIT
    if rate == "off":
        return None
    try:
        limited = is_ratelimited(
            request, group="image-upload", key="user", rate=rate, increment=True
        )
    except Exception as error:
        logger.warning(
            "Image upload rate limit not checked (%s); upload accepted", error.__class__.__name__
        )
        return None
    if not limited:
        return None
    count, period = rate.split("/")
    number, unit = period[:-1], RATE_UNITS[period[-1]]
    if number in ("", "1"):
        per = wait = f"{'an' if unit == 'hour' else 'a'} {unit}"
    else:
        per, wait = f"every {number} {unit}s", f"{number} {unit}s"
    return (
        f"You have uploaded a lot of images in a short time: up to {count} {per}. "
        f"Wait {wait}, then try again."
    )


class ImageRejected(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def clean_image(upload):
    """A re-encoded copy of an uploaded image as a ContentFile, or ImageRejected saying why."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImageRejected(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; images can be up to "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
            status=413,
        )
    with decoding():
        return _reencode(upload)


@contextlib.contextmanager
def decoding():
    """Decode one image at a time in this process; Pillow's errors become ImageRejected."""
    try:
        with _decoding, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("Upload a photo or picture saved as JPEG, PNG or WebP.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRejected(
            "This image file is damaged or incomplete. Save it again and upload the new copy."
        ) from None


def checked_format(file):
    """The format of an image file, once its header says it is a JPEG, PNG or WebP of
    acceptable size and ``verify`` finds no damage; the file is left at its start. Use
    inside ``decoding()``."""
    file.seek(0)
    with Image.open(file) as probe:  # reads the header only
        image_format = probe.format
        if image_format not in FORMATS:
            raise ImageRejected("Upload a photo or picture saved as JPEG, PNG or WebP.")
        _check_pixels(probe.width, probe.height, image_format)
        probe.verify()
    file.seek(0)
    return image_format


def _reencode(upload):
    image_format = checked_format(upload)
    with Image.open(upload) as image:
        if image_format == "JPEG":
            image.draft(None, _fitted(image.size))  # decode at 1/2, 1/4 or 1/8 scale
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # no second full-size copy
        if image.mode.startswith("I"):  # 16-bit greyscale: to 8 bits (converting would clip)
            image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        if image_format == "JPEG" and image.mode != "RGB":
            image = image.convert("RGB")
        elif image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
            image = image.convert("RGBA")
        # Keep only what drawing needs; EXIF, XMP, ICC notes and text chunks are dropped.
        image.info = {k: v for k, v in image.info.items() if k == "transparency"}
        out = BytesIO()
        image.save(out, image_format, **SAVE_OPTIONS[image_format])
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{FORMATS[image_format]}")

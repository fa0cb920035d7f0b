"""Checking and cleaning images that staff upload for pages.

Only JPEG, PNG and WebP files that Pillow can fully decode are accepted, whatever the file
name or the browser's content type claim. Every image is re-encoded: that drops EXIF and
other metadata (location, camera, names) and anything hidden after the image data, after
applying the EXIF orientation so photos stay the right way up. Large photos are scaled down.
The server chooses the stored file name and extension from the decoded format.
"""

import uuid
import warnings
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse "decompression bombs" before decoding them
MAX_SIDE = 1600  # longest side after resizing, in pixels
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 4},
}


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(upload)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("Upload a photo or picture saved as JPEG, PNG or WebP.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRejected(
            "This image file is damaged or incomplete. Save it again and upload the new copy."
        ) from None


def _reencode(upload):
    upload.seek(0)
    with Image.open(upload) as probe:
        image_format = probe.format
        if image_format not in FORMATS:
            raise ImageRejected("Upload a photo or picture saved as JPEG, PNG or WebP.")
        if probe.width * probe.height > MAX_PIXELS:
            raise ImageRejected("This image has too many pixels. Make it smaller and try again.")
        probe.verify()
    upload.seek(0)
    with Image.open(upload) as original:
        original.load()
        image = ImageOps.exif_transpose(original)
    if image.mode.startswith("I"):  # 16-bit greyscale: scale to 8 bits (converting would clip)
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

"""Uploaded images on pages become responsive figures.

``render_markdown`` passes its sanitised HTML through ``responsive_figures``. Each ``<img>``
whose address is an uploaded image (a pages.Image) is given that image's renditions
(``pages.renditions``): a ``<picture>`` with a WebP ``<source>`` and a JPEG or PNG fallback
``<img>``, both with ``srcset`` and ``sizes``, so the browser picks the smallest copy that fills
the text column, plus the ``width`` and ``height`` of the image so the page does not jump as it
loads. Every image after the first loads lazily. An image alone in its paragraph becomes a
``<figure>``; its Markdown title is the caption: ``![alt text](/media/… "Caption")``. One
inside a sentence gets the ``<picture>`` but no figure. Images from other sites, and addresses
that are not an uploaded image, are left as they are.

This runs in the web process after the sanitiser, not in the CPU-limited render worker: it
needs the database and the stored files, and it builds its markup only from the stored
image's names and sizes and from the alt text and title that the sanitiser let through
(escaped again). So the sanitiser's allowlist needs no ``picture``, ``source``, ``srcset`` or
``sizes``, and editors cannot write them.
"""

import html as html_lib
import re

from django.core.files.storage import default_storage
from django.utils.html import format_html

from .renditions import renditions_or_none

# How wide an image is shown: the .wrap column of site.css (46rem less 1rem padding a side).
SIZES = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"
# nh3 writes every attribute as name="value", with " inside a value escaped.
IMG = r'<img(?P<{}>(?:\s+[a-z-]+="[^"]*")*)\s*/?>'
IMAGE_RE = re.compile(rf"<p>\s*{IMG.format('alone')}\s*</p>|{IMG.format('inline')}")
ATTRIBUTE_RE = re.compile(r'([a-z-]+)="([^"]*)"')


def responsive_figures(html):
    """``html`` with each uploaded image made responsive (see the module's note)."""
    prefix = default_storage.url("")  # "/media/"
    if f'src="{prefix}' not in html:
        return html
    images = [(match, _attributes(match)) for match in IMAGE_RE.finditer(html)]
    names = {
        attributes["src"][len(prefix) :]: attributes["src"]
        for _match, attributes in images
        if attributes.get("src", "").startswith(prefix)
    }
    found = _renditions_of(names)
    parts, done, lazy = [], 0, False
    for match, attributes in images:
        copies = found.get(attributes.get("src"))
        if copies is None:
            continue
        alt = attributes.get("alt", "")
        title = attributes.get("title", "").strip()
        if match.group("inline") is not None:
            new = _picture(copies, alt, title, lazy)
        elif title:
            new = format_html(
                "<figure>{}<figcaption>{}</figcaption></figure>",
                _picture(copies, alt, "", lazy),
                title,
            )
        else:
            new = format_html("<figure>{}</figure>", _picture(copies, alt, "", lazy))
        parts += [html[done : match.start()], new]
        done, lazy = match.end(), True  # the first image loads at once, the rest lazily
    return "".join(parts) + html[done:]


def _attributes(match):
    text = match.group("alone") if match.group("alone") is not None else match.group("inline")
    return {name: html_lib.unescape(value) for name, value in ATTRIBUTE_RE.findall(text)}


def _renditions_of(names):
    """{src: Renditions} for the uploaded images among ``names`` ({storage name: src})."""
    from .models import Image  # models imports the renderer, which imports this module

    found = {}
    for image in Image.objects.filter(file__in=names):
        copies = renditions_or_none(image)
        if copies:
            found[names[image.file.name]] = copies
    return found


def _srcset(copies):
    return ", ".join(f"{default_storage.url(copy.name)} {copy.width}w" for copy in copies)


def _picture(copies, alt, title, lazy):
    widest = copies.fallback[-1]
    template = (
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}'
        + (' loading="lazy" decoding="async"' if lazy else "")
        + "></picture>"
    )
    return format_html(
        template,
        _srcset(copies.webp),
        SIZES,
        default_storage.url(widest.name),
        _srcset(copies.fallback),
        SIZES,
        widest.width,
        widest.height,
        alt,
        format_html(' title="{}"', title) if title else "",
    )

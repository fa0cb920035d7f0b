#!/usr/bin/env python
"""Sizes and making time of the renditions of uploaded images (pit_site.pages.renditions).

Each sample goes through what an upload does: ``clean_image`` (checked, upright, re-encoded,
at most 1600 px), then ``renditions`` into a temporary folder. The table gives each copy's
size against the stored original, and the CPU and wall time of making all the copies. The
samples are made here (a photo-like JPEG with grain, a screenshot-like PNG, a chart with
transparency), or pass your own files:

    .venv/bin/python -m scripts.measure_renditions [photo.jpg ...]

No database is needed.
"""

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def _samples():
    from PIL import Image, ImageDraw, ImageFilter  # noqa: PLC0415

    def saved(image, image_format, **options):
        out = io.BytesIO()
        image.save(out, image_format, **options)
        return out.getvalue()

    # A 12-megapixel "photo": detail at every scale, soft edges and sensor grain.
    detail = Image.effect_mandelbrot((4000, 3000), (-2.2, -1.2, 1.0, 1.2), 60)
    grain = Image.effect_noise((4000, 3000), 24)
    sky = Image.linear_gradient("L").resize((4000, 3000))
    red = Image.blend(detail, sky, 0.5).filter(ImageFilter.GaussianBlur(2))
    photo = Image.merge("RGB", [red, Image.blend(sky, grain, 0.3), Image.blend(detail, grain, 0.4)])
    screenshot = Image.new("RGB", (2560, 1440), "white")
    draw = ImageDraw.Draw(screenshot)
    for row in range(40):
        draw.text((80, 60 + row * 32), "Perineural injection therapy: notes " * 4, fill="black")
    chart = Image.new("RGBA", (1200, 800), (0, 0, 0, 0))
    draw = ImageDraw.Draw(chart)
    for bar in range(8):
        draw.rectangle((100 + bar * 130, 700 - bar * 70, 200 + bar * 130, 700), fill=(11, 87, 164))
    return [
        ("photo 4000x3000 JPEG", saved(photo, "JPEG", quality=90)),
        ("screenshot 2560x1440 PNG", saved(screenshot, "PNG")),
        ("chart 1200x800 PNG, transparent", saved(chart, "PNG")),
    ]


def measure(label, data, folder):
    from django.core.files.storage import FileSystemStorage  # noqa: PLC0415
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    from pit_site.pages.images import clean_image  # noqa: PLC0415
    from pit_site.pages.renditions import renditions  # noqa: PLC0415

    storage = FileSystemStorage(location=folder, base_url="/media/")
    cleaned = clean_image(SimpleUploadedFile("sample", data))
    name = storage.save(f"images/{cleaned.name}", cleaned)
    with Image.open(storage.path(name)) as stored:
        width, height = stored.size
    image = SimpleNamespace(file=SimpleNamespace(name=name), width=width, height=height)
    cpu, wall = time.process_time(), time.perf_counter()
    made = renditions(image, storage)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    original = storage.size(name)
    print(
        f"\n{label}: upload {len(data) // 1024:,} KB, stored {width}x{height} "
        f"{original // 1024:,} KB; renditions made in {cpu:.2f} s CPU, {wall:.2f} s wall"
    )
    for copy in made.all():
        size = storage.size(copy.name)
        if copy.name == name:
            column, share = "original", "(the original)"
        else:
            column, share = copy.name.rsplit("-", 1)[-1], f"{100 * size / original:5.0f}%"
        print(f"  {column:<12} {copy.width:>5}x{copy.height:<5} {size / 1024:>8.1f} KB  {share}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from django.conf import settings  # noqa: PLC0415

    settings.configure()
    samples = [(str(path), path.read_bytes()) for path in args.files] or _samples()
    with tempfile.TemporaryDirectory() as folder:
        for label, data in samples:
            measure(label, data, folder)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Peak memory and time of cleaning one uploaded image, for a few shapes of image.

Each image is made once into a temporary folder. Then, for each, a fresh Python process reads
the file's bytes, notes its resident memory (VmRSS), runs ``pit_site.pages.images.clean_image``
on it as the upload view does, and reports how far the peak (VmHWM) rose above it (the image
memory Pillow allocates in C is invisible to tracemalloc; ``ru_maxrss`` would include the
parent's peak from before the fork), the CPU time and the outcome. The
last rows clean four copies of an image from four threads at once, as four editors (or one
script) uploading together would.

    .venv/bin/python -m scripts.measure_uploads

No Django settings or database are needed.
"""

import argparse
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _photo(size):
    """Something like a photo: smooth gradients with a little detail, so JPEG stays small."""
    from PIL import Image  # noqa: PLC0415

    small = Image.linear_gradient("L").resize((64, 48))
    rgb = Image.merge("RGB", [small, small.rotate(90), small.transpose(Image.FLIP_LEFT_RIGHT)])
    return rgb.resize(size, Image.BILINEAR)


def make_images(folder):
    from PIL import Image  # noqa: PLC0415

    cases = []

    def save(name, image, fmt, **options):
        out = io.BytesIO()
        image.save(out, fmt, **options)
        (folder / name).write_bytes(out.getvalue())
        cases.append(
            (name, f"{image.width}x{image.height} {image.mode} {fmt}", len(out.getvalue()))
        )

    save("blank-rgba-6324.png", Image.new("RGBA", (6324, 6324)), "PNG", optimize=True)
    save("photo-12mp.jpg", _photo((4000, 3000)), "JPEG", quality=85)
    save("photo-24mp.jpg", _photo((6000, 4000)), "JPEG", quality=85)
    save("photo-48mp.jpg", _photo((8000, 6000)), "JPEG", quality=85)
    save("rgba-12mp.png", _photo((4000, 3000)).convert("RGBA"), "PNG")
    save("screenshot-1440p.png", _photo((2560, 1440)), "PNG")
    save("photo-12mp.webp", _photo((4000, 3000)), "WEBP", quality=80)
    return cases


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def measure_one(file, copies):
    """In a fresh process: the peak RSS rise (MB), CPU seconds and outcome of cleaning."""
    sys.path.insert(0, str(ROOT))
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    from pit_site.pages.images import ImageRejected, clean_image  # noqa: PLC0415

    data = Path(file).read_bytes()
    uploads = [SimpleUploadedFile(Path(file).name, data) for _ in range(copies)]
    outcomes = []

    def clean(upload):
        try:
            cleaned = clean_image(upload)
            outcomes.append(f"stored {len(cleaned) // 1024} KB")
        except ImageRejected as rejection:
            outcomes.append(f"refused ({rejection.status}): {rejection}")

    baseline = _status_kb("VmRSS")
    started = time.process_time()
    threads = [threading.Thread(target=clean, args=(upload,)) for upload in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    peak = _status_kb("VmHWM")
    print(
        json.dumps(
            {
                "peak_mb": (peak - baseline) / 1024,
                "cpu_s": time.process_time() - started,
                "outcome": outcomes[0] if len(set(outcomes)) == 1 else "; ".join(outcomes),
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--copies", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure_one(args.one, args.copies)
        return
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        cases = [(name, shape, size, 1) for name, shape, size in make_images(folder)]
        for name, shape, size, _ in (cases[0], cases[4], cases[6]):
            cases.append((name, shape + ", 4 at once", size, 4))
        print(f"{'image':<34} {'file KB':>8} {'peak MB':>8} {'CPU s':>6}  outcome")
        for name, shape, size, copies in cases:
            result = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "scripts.measure_uploads", "--one", str(folder / name),
                 "--copies", str(copies)],
                cwd=ROOT, capture_output=True, text=True, check=True,
            )  # fmt: skip
            row = json.loads(result.stdout)
            print(
                f"{shape:<34} {size // 1024:>8,} {row['peak_mb']:>8.0f} {row['cpu_s']:>6.2f}  "
                f"{row['outcome']}"
            )


if __name__ == "__main__":
    main()

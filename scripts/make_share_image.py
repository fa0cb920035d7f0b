"""Draw the default link-preview image (Open Graph / Twitter card), static/img/share.png.

    python -m scripts.make_share_image "Example Pain Clinic"

1200 x 630 pixels, the clinic's name in white on the site's brand blue. Run it again with the
clinic's real name when it changes, and commit the image.
"""

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "static" / "img" / "share.png"
SIZE = (1200, 630)
BRAND, WHITE, ACCENT = "#0b3a5b", "#ffffff", "#ffbf47"
FONTS = Path("/usr/share/fonts/truetype/dejavu")


def font(bold, size):
    try:
        return ImageFont.truetype(str(FONTS / f"DejaVuSans{'-Bold' if bold else ''}.ttf"), size)
    except OSError:
        return ImageFont.load_default(size)


def wrap(draw, text, face, width):
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=face) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    return [*lines, line]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the clinic's name")
    parser.add_argument(
        "--tagline", default="Perineural injection therapy (PIT): patient information"
    )
    args = parser.parse_args()

    image = Image.new("RGB", SIZE, BRAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, SIZE[1] - 24, SIZE[0], SIZE[1]], fill=ACCENT)
    name_face, tag_face = font(True, 88), font(False, 40)
    y = 150
    for line in wrap(draw, args.name, name_face, SIZE[0] - 160)[:3]:
        draw.text((80, y), line, font=name_face, fill=WHITE)
        y += 108
    for line in wrap(draw, args.tagline, tag_face, SIZE[0] - 160)[:2]:
        draw.text((80, y + 30), line, font=tag_face, fill=WHITE)
        y += 52
    image.save(OUT, optimize=True)
    print(f"wrote {OUT.relative_to(Path.cwd())} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()

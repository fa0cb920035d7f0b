"""The site's colours: defined once in site.css's :root block (and its dark twin), with WCAG AA
contrast for every pair the stylesheet puts together, in both colour schemes."""

import re

import pytest
from django.conf import settings

CSS = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
DARK_MEDIA = "@media screen and (prefers-color-scheme: dark)"
PROPERTY_RE = re.compile(r"(--[\w-]+)\s*:\s*([^;]+);")
COLOUR_RE = re.compile(r"#[0-9a-f]{3,8}\b|\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(", re.I)

# (text, background): text colours the stylesheet sets on that background; 4.5:1 each.
TEXT_PAIRS = [
    ("--text", "--bg"), ("--text", "--tint"), ("--muted", "--bg"), ("--muted", "--tint"),
    ("--link", "--bg"), ("--link", "--tint"), ("--link-visited", "--bg"),
    ("--link-visited", "--tint"), ("--on-brand", "--brand"), ("--on-brand", "--brand-hover"),
    ("--urgent", "--urgent-bg"), ("--text", "--urgent-bg"), ("--on-focus", "--focus"),
    ("--text", "--field-bg"), ("--text", "--highlight"), ("--text", "--note-bg"),
    ("--text", "--ok-bg"), ("--muted", "--urgent-bg"),
]  # fmt: skip
# Backgrounds a focused element can sit on. The focus indicator is a ring in --text (in the
# header, --on-focus) inside a ring in --focus: one of them must reach 3:1 against it.
FOCUS_BACKGROUNDS = {
    "--bg": "--text",
    "--tint": "--text",
    "--urgent-bg": "--text",
    "--field-bg": "--text",
    "--brand": "--on-focus",
}


def block(text, start):
    """The declarations inside the first {...} after ``start``."""
    opening = text.index("{", text.index(start))
    return text[opening + 1 : text.index("}", opening)]


def palettes():
    light = dict(PROPERTY_RE.findall(block(CSS, ":root")))
    dark_overrides = dict(PROPERTY_RE.findall(block(CSS, DARK_MEDIA)))
    return {"light": light, "dark": {**light, **dark_overrides}}, dark_overrides


def luminance(hex_colour):
    value = hex_colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_luminance_and_contrast_match_the_wcag_examples():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the usual AA grey on white
    assert contrast("#777777", "#ffffff") < 4.5


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_meet_wcag_aa_on_their_backgrounds(scheme):
    colours = palettes()[0][scheme]
    low = [
        f"{text} on {background}: {contrast(colours[text], colours[background]):.2f}"
        for text, background in TEXT_PAIRS
        if contrast(colours[text], colours[background]) < 4.5
    ]
    assert low == [], f"{scheme} scheme below 4.5:1: {low}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_indicator_contrasts_3_to_1_with_every_background(scheme):
    colours = palettes()[0][scheme]
    weak = [
        background
        for background, ring in FOCUS_BACKGROUNDS.items()
        if max(
            contrast(colours[ring], colours[background]),
            contrast(colours["--focus"], colours[background]),
        )
        < 3
    ]
    assert weak == [], f"{scheme}: no focus ring reaches 3:1 on {weak}"


def test_the_dark_scheme_sets_every_colour_and_nothing_else():
    (schemes, dark_overrides) = palettes()
    light_colours = {name for name, value in schemes["light"].items() if value.startswith("#")}
    assert set(dark_overrides) == light_colours


def test_colours_are_named_only_in_the_palette_blocks():
    """Re-branding is one edit: no rule below the palette names a colour of its own."""
    rest = CSS.replace(block(CSS, ":root"), "").replace(block(CSS, DARK_MEDIA), "")
    rest = re.sub(r"/\*.*?\*/", "", rest, flags=re.S)
    assert COLOUR_RE.findall(rest) == [], [m.group(0) for m in COLOUR_RE.finditer(rest)]

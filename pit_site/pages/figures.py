"""Illustrations editors place in a page's text: ``{{ figure.injection_depths }}``.

The Markdown sanitiser strips ``<svg>``, and editors must never be able to add markup. So an
editor writes a placeholder, on a line of its own, naming one of ``FIGURES``; each is a
template in the repository (hand-written SVG or HTML). After sanitising, ``mark_figures``
swaps the placeholder for an HTML comment, ``<!--figure:injection_depths-->``, which editors
cannot write themselves (the sanitiser removes comments) and which adds no words to the
page's reading grade or search entry. When the page is shown, ``draw_figures`` swaps each
comment for its template, rendered with the request's context, so a figure that shows the
clinic's details is always current without re-rendering pages.

An unknown name, a placeholder that shares its line with other text, or the same figure twice
in one page (its ids must be unique) is a RenderError for the editor.
"""

import html as html_lib
import re
from dataclasses import dataclass

from django.utils.html import format_html


@dataclass(frozen=True)
class Figure:
    title: str
    template: str


FIGURES = {
    "injection_depths": Figure("Where the injections go", "figures/injection-depths.html"),
    "treatment_journey": Figure("Your treatment, step by step", "figures/treatment-journey.html"),
}
# Anything that looks like a placeholder, so a misspelt one is reported, not shown as text.
PLACEHOLDER_RE = re.compile(r"\{\{\s*figure\.([^}]*?)\s*\}\}")
ALONE_RE = re.compile(r"<p>\{\{\s*figure\.(\w+)\s*\}\}</p>")
MARKER_RE = re.compile(r"<!--figure:(\w+)-->")


def mark_figures(html):
    """Sanitised HTML with each figure placeholder replaced by its marker comment."""
    from .rendering import RenderError  # rendering imports this module

    seen = set()
    for match in PLACEHOLDER_RE.finditer(html):
        written = html_lib.unescape(match.group(0))
        name = match.group(1)
        if name not in FIGURES:
            known = ", ".join(f"{{{{ figure.{key} }}}}" for key in FIGURES)
            raise RenderError(f"There is no figure called {written}. Use one of: {known}.")
        if name in seen:
            raise RenderError(f"Use {written} only once in a page.")
        seen.add(name)
    html = ALONE_RE.sub(lambda m: f"<!--figure:{m.group(1)}-->", html)
    leftover = PLACEHOLDER_RE.search(html)
    if leftover:
        written = html_lib.unescape(leftover.group(0))
        raise RenderError(f"Put {written} on a line of its own, with a blank line around it.")
    return html


def draw_figures(html, draw):
    """``html`` with each marker replaced by ``draw(figure)``; unknown markers are dropped."""
    return MARKER_RE.sub(lambda m: draw(FIGURES[m.group(1)]) if m.group(1) in FIGURES else "", html)


def preview_figures(html):
    """The editor's preview: each figure named where it will be (the admin lacks its styles)."""
    return draw_figures(
        html,
        lambda figure: format_html(
            "<p><strong>Illustration:</strong> {} (shown here on the public page)</p>",
            figure.title,
        ),
    )

"""The one function that turns staff-written Markdown into the HTML patients see.

Every page save, every preview and every test goes through ``render_markdown``. The
output is cleaned with an nh3 *allowlist*: staff accounts get phished too, so the
stored HTML must be harmless whatever the Markdown says.

- Tags: text structure only (headings, lists, tables, quotes, code, images, links,
  ``details``/``summary`` for FAQs). No ``script``, ``style``, ``iframe``, ``form``,
  ``object``, ``svg`` or ``math``; their content is dropped, not shown as text.
- Attributes: ``href``/``src``/``alt``/``title`` where they belong, ``id`` for deep
  links and footnotes, and ``class`` from a short allowlist of values that our own
  Markdown extensions emit. Never ``style`` or any ``on*`` handler.
- URL schemes: ``http``, ``https`` and ``mailto`` (plus relative URLs). No
  ``javascript:``, ``data:`` or ``vbscript:``.
- Every link gets ``rel="noopener noreferrer"``.
- Uploaded images then become responsive figures (``pages.pictures``), built after cleaning
  from the stored image's details, so ``picture``, ``source``, ``srcset`` and ``sizes`` need
  not be (and are not) allowed here.

Clinic details that belong in a page's text (how much dextrose a session involves, the
emergency equipment the clinic keeps) are written as ``{{ clinic.name_of_detail }}`` and
filled in from the clinic's details before rendering, so they go through the same
sanitiser. ``Clinic.markdown_details`` says which exist; an unknown one is a RenderError.
Illustrations are placed with ``{{ figure.name }}`` (figures.py), after sanitising.
After sanitising, ``glossary.link_terms`` links the first use of each research word to the
glossary page.

Python-Markdown (and html5ever inside nh3) take quadratic time or recurse on some
pathological input, such as thousands of unclosed ``[`` or lists nested hundreds deep.
``check_complexity`` refuses the patterns we know of before rendering, with a message saying
what to change. Everything else is bounded by ``render_pool``: each render runs in a worker
process the kernel stops after ``render_pool.CPU_SECONDS`` of CPU, and an exception from the
library becomes a RenderError. So no text can tie up a server or answer with a 500.
"""

import bisect
import html as html_lib
import re
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import normalize_newlines, slugify

from . import glossary, render_pool
from .figures import mark_figures

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "img",
    "li", "ol", "p", "pre", "section", "small", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}
# class values our own output uses; anything else is stripped.
ALLOWED_CLASSES = {
    "a": {"footnote-ref", "footnote-backref"},
    "div": {"footnote"},
    "section": {"faq", "references"},
    "details": {"faq-item"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

MARKDOWN_EXTENSIONS = [
    "abbr",
    "def_list",
    "fenced_code",
    "footnotes",
    "sane_lists",
    "tables",
    "toc",
]
MARKDOWN_CONFIG = {
    # No [TOC] marker: pages do not use it, and thousands of them take seconds to replace.
    "toc": {"slugify": lambda value, _sep: slugify(value), "toc_depth": "2-4", "marker": ""},
    "footnotes": {
        "BACKLINK_TEXT": "Back to text",
        "BACKLINK_TITLE": "Back to where reference {} is cited",
        "SEPARATOR": "-",
        "USE_DEFINITION_ORDER": False,  # number references in the order they are cited
    },
}

H2_RE = re.compile(r'<h2 id="([^"]*)">(.*?)</h2>', re.S)
FAQ_ITEM_RE = re.compile(
    r'<details class="faq-item" id="([^"]*)"><summary>(.*?)</summary>(.*?)</details>', re.S
)
TABLE_OPEN_RE = re.compile(r"<table\b[^>]*>")
# A wide table scrolls on its own, inside a region keyboard users can focus and scroll.
TABLE_WRAPPER = '<div class="table-scroll" role="region" tabindex="0" aria-label="Table">'
UNSAFE_CHARS_RE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates
FOOTNOTES_RE = re.compile(r'<div class="footnote">\s*<hr\s*/?>')

# Limits on what one page may ask of the renderer. The longest shipped page is about 17,000
# characters with at most 3 levels of nesting; each limit is far above anything real, and
# keeps the slowest text allowed to about a second (measured on a 2-core server).
MAX_BODY_CHARS = 50_000  # about 8,000 words
TOO_LONG = f"Pages can be up to {MAX_BODY_CHARS:,} characters long."
MAX_NESTING = 20  # quote or list markers at the start of one line: "> > - x" is 3
MAX_RESCAN = 500_000  # characters rescanned looking for closing ], ) and > (see below)
MAX_LINE_WORK = 2_000_000  # sum over blocks of (lines in the block) squared
MAX_HTML_TAGS = 2_000
TOO_DEEP = (
    f"This text nests lists or quotes too deeply to show. Use at most {MAX_NESTING} levels "
    "of > or list markers in front of a line."
)
BLOCK_SEPARATOR_RE = re.compile(r"\n[ \t]*\n")
LINE_MARKERS_RE = re.compile(r"^(?:[ \t]*(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])))+", re.M)
ONE_MARKER_RE = re.compile(r">|[-+*]|\d{1,9}[.)]")
SQUARE_RE = re.compile(r"[\[\]]")
ROUND_RE = re.compile(r"[()]")
TAG_START_RE = re.compile(r"<[A-Za-z/!?]")


TOO_SLOW = (
    f"This text would take too long to show (more than {render_pool.CPU_SECONDS:g} seconds of "
    "work). Look for something repeated many times, such as one reference [^name] cited "
    "hundreds of times, or long runs of ` * _ [ or < signs, and simplify it."
)
# A footnote with nothing after its colon (and no indented text below) breaks the library.
EMPTY_FOOTNOTE_RE = re.compile(r"^ {0,3}\[\^([^\]\n]*)\]:[ \t]*$(?!\n(?: {4}|\t))", re.M)
CLINIC_DETAIL_RE = re.compile(r"\{\{\s*clinic\.(\w+)\s*\}\}")


class RenderError(ValueError):
    """Markdown the renderer refuses; the message says what to change."""


def has_clinic_details(text):
    return bool(CLINIC_DETAIL_RE.search(text or ""))


def fill_clinic_details(text, clinic=None):
    """``text`` with each {{ clinic.… }} replaced by that detail's Markdown.

    ``clinic`` defaults to the shipped demo details (an unsaved Clinic), which is enough to
    check a page or measure its reading grade without a database. A detail that is a list
    must stand on a line of its own.
    """
    if not has_clinic_details(text):
        return text
    if clinic is None:
        from pit_site.clinic.models import Clinic

        clinic = Clinic()
    inline, blocks = clinic.markdown_details()

    def one(match):
        name = match.group(1)
        if name in inline:
            return inline[name]
        if name in blocks:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            if text[start : None if end < 0 else end].strip() != match.group(0):
                raise RenderError(f"Put {match.group(0)} on a line of its own: it is a list.")
            return blocks[name]
        known = ", ".join(f"{{{{ clinic.{key} }}}}" for key in sorted({*inline, *blocks}))
        raise RenderError(
            f"There is no clinic detail called {match.group(0)}. Use one of: {known}."
        )

    return CLINIC_DETAIL_RE.sub(one, text)


def render_markdown(text, *, faq=False, clinic=None, register=None):
    """Render Markdown to sanitised HTML. With ``faq``, each ``##`` becomes a <details>.

    Clinic details in the text come from ``clinic`` (see fill_clinic_details), citations from
    ``register`` (see pit_site.references.citations). Raises RenderError, with a message for
    the editor, for an unknown clinic detail or citation, or for text too
    long or convoluted to render (check_complexity), that takes more than the CPU limit, or
    that the library fails on.
    """
    if not text:
        return ""
    text = fill_clinic_details(text, clinic)
    from pit_site.references.citations import CitationError, cite

    try:
        text = cite(text, register)
    except CitationError as error:
        raise RenderError(str(error)) from None
    kind, value = render_pool.render(text, faq)
    if kind == "html":
        from .pictures import responsive_figures  # not in the render worker: it needs Django

        return mark_figures(responsive_figures(value))  # {{ figure.… }}: see figures.py
    if kind == "refused":
        raise RenderError(value)
    if kind == "stopped":
        raise RenderError(TOO_SLOW)
    empty = EMPTY_FOOTNOTE_RE.search(text)
    if empty:
        raise RenderError(
            f"The reference [^{empty.group(1)}] has no text. Write the reference after the "
            "colon, or remove that line."
        )
    raise RenderError(
        f"This text could not be shown: the Markdown converter failed on it ({value}). Undo "
        "your last change, or look for unusual Markdown in it."
    )


def render_in_process(text, *, faq=False):
    """render_markdown's work, without its time limit: only for the render_pool worker."""
    text = UNSAFE_CHARS_RE.sub("\ufffd", text or "")
    text = normalize_newlines(text)  # as Python-Markdown does
    check_complexity(text)
    try:
        html = markdown.markdown(
            text,
            extensions=MARKDOWN_EXTENSIONS,
            extension_configs=MARKDOWN_CONFIG,
            output_format="html",
        )
    except RecursionError:
        raise RenderError(TOO_DEEP) from None
    if faq:
        html = _faq_sections(html)
    html = FOOTNOTES_RE.sub(
        '<div class="footnote"><h2 id="references">References</h2>', html, count=1
    )
    html = glossary.link_terms(sanitise(html))
    html = TABLE_OPEN_RE.sub(lambda m: TABLE_WRAPPER + m.group(0), html)
    return html.replace("</table>", "</table></div>")


def check_complexity(text):
    """RenderError if ``text`` (with "\\n" line ends) would take the renderer too long."""
    if len(text) > MAX_BODY_CHARS:
        raise RenderError(TOO_LONG)
    if _deepest_nesting(text) > MAX_NESTING:
        raise RenderError(TOO_DEEP)
    blocks = BLOCK_SEPARATOR_RE.split(text)
    if _line_work(blocks) > MAX_LINE_WORK:
        raise RenderError(
            "This text has too many lines in a row without a blank line between them. Put "
            "a blank line between paragraphs, headings and lists."
        )
    if sum(_bracket_work(block) for block in blocks) > MAX_RESCAN:
        raise RenderError(
            "This text has too many [ or ( brackets that are never closed. Close each one "
            "with ] or ), or remove the stray ones."
        )
    tag_starts = [match.start() for match in TAG_START_RE.finditer(text)]
    if len(tag_starts) > MAX_HTML_TAGS:
        raise RenderError(
            f"This text has more than {MAX_HTML_TAGS:,} HTML tags. Use Markdown instead."
        )
    if _tag_work(text, tag_starts) > MAX_RESCAN:
        raise RenderError(
            'This text has too many < signs that are never closed with >. Write "less '
            'than" instead, or put a space after each <.'
        )


def _deepest_nesting(text):
    """The most quote and list markers in front of any one line."""
    return max(
        (len(ONE_MARKER_RE.findall(m.group())) for m in LINE_MARKERS_RE.finditer(text)),
        default=0,
    )


def _line_work(blocks):
    """Python-Markdown re-tests the rest of a block for each line it takes off the front."""
    return sum((block.count("\n") + 1) ** 2 for block in blocks)


def _bracket_work(block):
    """How far Python-Markdown scans from each [ and ( for its ] or ): to the match, or to
    the end of the block when there is none."""
    work = 0
    for brackets_re, opening in ((SQUARE_RE, "["), (ROUND_RE, "(")):
        open_at = []
        for match in brackets_re.finditer(block):
            if match.group() == opening:
                open_at.append(match.start())
            elif open_at:
                work += match.start() - open_at.pop()
        work += sum(len(block) - start for start in open_at)
    return work


def _tag_work(text, tag_starts):
    """How far Python's HTML parser scans from each "<tag": to the next >, or to the end."""
    ends = [match.start() for match in re.finditer(">", text)]
    work = 0
    for start in tag_starts:
        after = bisect.bisect(ends, start)
        work += (ends[after] if after < len(ends) else len(text)) - start
    return work


def sanitise(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _faq_sections(html):
    """Wrap each ``<h2>`` and what follows it up to the next one in a <details> element."""
    parts = H2_RE.split(html)
    intro, rest = parts[0], parts[1:]
    items, references = [], ""
    for anchor, question, body in zip(rest[0::3], rest[1::3], rest[2::3], strict=True):
        if '<div class="footnote">' in body:  # references belong to the page, not an answer
            body, references = body.split('<div class="footnote">', 1)
            references = '<div class="footnote">' + references
        items.append(
            f'<details class="faq-item" id="{anchor}"><summary>{question}</summary>'
            f"{body.strip()}</details>"
        )
    if not items:
        return html
    return f'{intro}<section class="faq">{"".join(items)}</section>{references}'


def section_links(html):
    """(anchor, heading text) for each ``##`` section of rendered HTML, references left out."""
    return [
        (anchor, html_lib.unescape(strip_tags(heading)).strip())
        for anchor, heading in H2_RE.findall(html)
        if anchor != "references"
    ]


def faq_items(html):
    """(anchor, question text, answer HTML) for each question in a rendered FAQ page."""
    return [
        (anchor, html_lib.unescape(strip_tags(question)), answer)
        for anchor, question, answer in FAQ_ITEM_RE.findall(html)
    ]


# The alt text an uploaded image's code starts with (Image.markdown): the editor selects it to
# be typed over, and until it is, the image counts as having none.
ALT_PLACEHOLDER = "Describe the image"


class _ImageAltFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.missing = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and (attrs.get("alt") or "").strip() in ("", ALT_PLACEHOLDER):
            self.missing.append(attrs.get("src") or "(no address)")


def images_missing_alt(html):
    """The addresses of images in rendered HTML that have no alt text (or the placeholder)."""
    finder = _ImageAltFinder()
    finder.feed(html)
    return finder.missing

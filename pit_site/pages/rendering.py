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
"""

import html as html_lib
import re
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import slugify

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
    "toc": {"slugify": lambda value, _sep: slugify(value), "toc_depth": "2-4"},
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


def render_markdown(text, *, faq=False):
    """Render Markdown to sanitised HTML. With ``faq``, each ``##`` becomes a <details>."""
    text = UNSAFE_CHARS_RE.sub("\ufffd", text or "")
    html = markdown.markdown(
        text,
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs=MARKDOWN_CONFIG,
        output_format="html",
    )
    if faq:
        html = _faq_sections(html)
    html = FOOTNOTES_RE.sub(
        '<div class="footnote"><h2 id="references">References</h2>', html, count=1
    )
    html = sanitise(html)
    html = TABLE_OPEN_RE.sub(lambda m: TABLE_WRAPPER + m.group(0), html)
    return html.replace("</table>", "</table></div>")


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


def faq_items(html):
    """(anchor, question text, answer HTML) for each question in a rendered FAQ page."""
    return [
        (anchor, html_lib.unescape(strip_tags(question)), answer)
        for anchor, question, answer in FAQ_ITEM_RE.findall(html)
    ]


class _ImageAltFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.missing = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and not (attrs.get("alt") or "").strip():
            self.missing.append(attrs.get("src") or "(no address)")


def images_missing_alt(html):
    """The addresses of images in rendered HTML that have no alt text."""
    finder = _ImageAltFinder()
    finder.feed(html)
    return finder.missing

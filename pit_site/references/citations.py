"""Citations: ``[@wu2017]`` in a page becomes a numbered link to a Vancouver-style reference.

``cite`` runs in render_markdown before the Markdown converter. It turns each citation into
a Markdown footnote (``[^wu2017]``) and appends that footnote's text, formatted from the
register the same way on every page, so the footnotes extension numbers them in order of
first use, links each number to its reference and back, and the References list ends the
page. A ``{{ studies.review }}`` line (the evidence page) becomes the register's list of
that kind of study, each with its plain finding and a citation.

A key the register does not hold is a RenderError naming it, so load_content, the admin's
page form and the editor preview all refuse it the same way.
"""

import re

from django.db.models import Q

from .models import KEY_RE, Reference, StudyType

# [@wu2017] or [@wu2017; @lin2020]; anything else after "[@" is checked as a key and refused.
CITATION_RE = re.compile(r"\[@([^\]\n]{1,300})\]")
STUDIES_RE = re.compile(r"\{\{\s*studies\.([\w-]+)\s*\}\}")
# Python-Markdown's backslash escapes; "<" becomes an entity so it never starts a tag.
MARKDOWN_SPECIAL_RE = re.compile(r"([\\`*_\[\]()>#!])")


class CitationError(ValueError):
    """A citation the register cannot fill; the message names the key."""


def has_citations(text):
    return bool(text) and ("[@" in text or bool(STUDIES_RE.search(text)))


def database_register():
    """Every reference, by key: what pages are rendered with on the site."""
    return {reference.key: reference for reference in Reference.objects.all()}


def cite(text, register=None):
    """``text`` with its citations turned into footnotes and their Vancouver references.

    ``register`` maps key to Reference (default: the database's). CitationError for an
    unknown key or study type.
    """
    if not has_citations(text):
        return text
    if register is None:
        register = database_register()
    text = STUDIES_RE.sub(lambda match: _studies(match, text, register), text)
    order = []

    def footnotes(match):
        keys = _keys(match.group(1))
        unknown = [key for key in keys if key not in register]
        if unknown:
            raise CitationError(
                " ".join(
                    f"There is no reference [@{key}] in the register: check the key, or add "
                    "the reference first (References in the admin)."
                    for key in unknown
                )
            )
        order.extend(key for key in keys if key not in order)
        return "".join(f"[^{key}]" for key in keys)

    text = CITATION_RE.sub(footnotes, text)
    for key in order:
        if re.search(rf"^ {{0,3}}\[\^{re.escape(key)}\]:", text, re.M):
            raise CitationError(
                f"The page writes its own reference [^{key}], and also cites [@{key}] from "
                f"the register. Remove the [^{key}]: line and cite [@{key}] only."
            )
    notes = "\n".join(f"[^{key}]: {vancouver(register[key])}" for key in order)
    return f"{text}\n\n{notes}" if notes else text


def _keys(inside):
    """The keys in the brackets of one citation: "@a; @b" -> ["a", "b"]."""
    keys = []
    for part in inside.split(";"):
        key = part.strip().removeprefix("@")
        if not KEY_RE.fullmatch(key):
            shown = part.strip()[:60]
            raise CitationError(
                f"[{shown}] is not a citation: write [@key], with a key of lower-case "
                "letters, digits and hyphens, and several as [@key1; @key2]."
            )
        keys.append(key)
    return keys


def _studies(match, text, register):
    kind = match.group(1).replace("_", "-")
    if kind not in StudyType.values:
        known = ", ".join(f"{{{{ studies.{value} }}}}" for value in StudyType.values)
        raise CitationError(f"There is no kind of study {match.group(0)}. Use one of: {known}.")
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    if text[start : None if end < 0 else end].strip() != match.group(0):
        raise CitationError(f"Put {match.group(0)} on a line of its own: it is a list.")
    studies = sorted(
        (ref for ref in register.values() if ref.study_type == kind),
        key=lambda ref: (-(ref.year or 0), ref.key),
    )
    if not studies:
        return "- We have none of this kind in our list yet."
    return "\n".join(_study_line(ref) for ref in studies)


def _study_line(ref):
    """ "- **Wu 2017.** 49 people. What was injected. What it found. [@wu2017]": short
    sentences, so the list reads as easily as the page around it."""
    parts = [f"**{_end(escape(ref.short_label))}**"]
    if ref.participants:
        parts.append(f"{ref.participants:,} people.")
    parts += [_end(escape(part)) for part in (ref.injected, ref.finding) if part]
    return f"- {' '.join(parts)} [@{ref.key}]"


def vancouver(ref):
    """One reference in Vancouver style, as Markdown with its DOI, PubMed and web links.

    Authors. Title. Journal. Year;Volume:Pages. doi:… PMID: … Available from: …
    """
    parts = [_end(escape(ref.authors)), _end(escape(ref.title))]
    if ref.journal:
        parts.append(_end(escape(ref.journal)))
    date = str(ref.year) if ref.year else "[date unknown]"
    if ref.volume:
        date += f";{escape(ref.volume)}"
    if ref.pages:
        date += f":{escape(ref.pages)}"
    parts.append(_end(date))
    if ref.doi:
        parts.append(f"doi:[{escape(ref.doi)}]({_href(f'https://doi.org/{ref.doi}')}).")
    if ref.pmid:
        parts.append(f"PMID: [{ref.pmid}](https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/).")
    if ref.url and not (ref.doi or ref.pmid):
        parts.append(f"Available from: [{escape(_shown(ref.url))}]({_href(ref.url)})")
    return " ".join(parts)


def escape(value):
    """Plain text from the register, safe to put into Markdown as it is."""
    value = " ".join(str(value).split())  # one line, whatever was stored
    return MARKDOWN_SPECIAL_RE.sub(r"\\\1", value).replace("<", "&lt;")


def _end(value):
    return value if value.endswith((".", "?", "!")) else f"{value}."


def _href(url):
    """A link target Markdown keeps whole: no spaces or angle brackets."""
    return re.sub(r"[\s<>]", lambda m: f"%{ord(m.group()):02X}", url)


def _shown(url):
    """The address as shown: without the scheme, long ones shortened."""
    shown = re.sub(r"^https?://(www\.)?", "", url)
    return shown if len(shown) <= 60 else f"{shown[:57]}…"


def direct_keys(text):
    """The keys the text's own citations name (not its studies lists)."""
    keys = set()
    for match in CITATION_RE.finditer(text or ""):
        try:
            keys.update(_keys(match.group(1)))
        except CitationError:
            continue
    return keys


def cited_keys(text, register):
    """The keys a page's text cites, its studies lists included."""
    if not has_citations(text):
        return set()
    keys = direct_keys(text)
    for match in STUDIES_RE.finditer(text):
        kind = match.group(1).replace("_", "-")
        keys.update(key for key, ref in register.items() if ref.study_type == kind)
    return keys


def cites_directly(page, key):
    return key in direct_keys(page.body)


def pages_citing(key, register=None, pages=None):
    """The pages whose text cites ``key``, directly or through a studies list."""
    from pit_site.pages.models import Page

    if register is None:
        register = database_register()
    if pages is None:
        pages = Page.objects.filter(Q(body__contains=f"@{key}") | Q(body__contains="studies."))
    return [page for page in pages if key in cited_keys(page.body, register)]

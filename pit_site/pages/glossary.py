"""Links from research words in a page to their entry on the glossary page (/glossary/).

``link_terms`` runs on every render, on the sanitised HTML: the first use of each term on a
page becomes a link to ``/glossary/#<anchor>``. Never inside a link, a heading (FAQ questions
included), code, an abbreviation or the references, and never inside the glossary's own entry
for that term. Each anchor is the id the renderer gives the entry's ``##`` heading on the
glossary page (``content/glossary.md``), so the two must agree: tests/pages/test_glossary.py
checks that every term has its entry.
"""

import re

GLOSSARY_URL = "/glossary/"
# anchor (the glossary heading's id) -> the words that use the term. Longer phrases first
# where one term's words start another's ("randomised trial" before "trial").
TERMS = {
    "randomised-trial": r"randomi[sz]ed(?: controlled)?(?: trials?)?",
    "double-blind": r"double-blind(?:ed)?",
    "pilot-study": r"pilot(?: stud(?:y|ies)| trials?)?",
    "case-series": r"case series",
    "systematic-review": r"systematic reviews?",
    "meta-analysis": r"meta-analys[ei]s",
    "control-group": r"(?:control|comparison) groups?",
    "placebo": r"placebos?",
    "bias": r"bias(?:ed)?",
    "off-label": r"off-label",
    "hydrodissection": r"hydrodissection",
    "trial": r"(?:clinical )?trials?",
}
_ALTERNATIVES = "|".join(
    f"(?P<{anchor.replace('-', '_')}>{words})" for anchor, words in TERMS.items()
)
TERM_RE = re.compile(rf"\b(?:{_ALTERNATIVES})\b", re.I)
# html5ever (inside nh3) writes every attribute in double quotes, so this finds each tag.
TAG_RE = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"]|"[^"]*")*)>')
SKIP_TAGS = {"a", "abbr", "code", "pre", "summary", "h1", "h2", "h3", "h4", "h5", "h6"}
SKIP_CLASSES = {"footnote", "references"}  # the reference list at the end of a page
VOID_TAGS = {"br", "hr", "img", "wbr", "col", "source"}
HEADING_ID_RE = re.compile(r'\bid="([^"]*)"')
CLASS_RE = re.compile(r'\bclass="([^"]*)"')


def link_terms(html):
    """``html`` with the first use of each glossary term linked to its entry."""
    out, used = [], set()
    open_tags = []  # (tag, skip) for each element we are inside
    section = ""  # id of the last <h2>: the glossary entry a term may be defined in
    position = 0
    for tag in TAG_RE.finditer(html):
        out.append(_link_text(html[position : tag.start()], used, section, open_tags))
        out.append(tag.group(0))
        position = tag.end()
        closing, name, attributes = tag.group(1), tag.group(2).lower(), tag.group(3)
        if closing:
            while open_tags and open_tags.pop()[0] != name:
                pass
        elif name not in VOID_TAGS and not attributes.rstrip().endswith("/"):
            found = CLASS_RE.search(attributes)
            classes = set(found.group(1).split()) if found else set()
            open_tags.append((name, name in SKIP_TAGS or bool(classes & SKIP_CLASSES)))
            if name == "h2":
                found = HEADING_ID_RE.search(attributes)
                section = found.group(1) if found else ""
    out.append(_link_text(html[position:], used, section, open_tags))
    return "".join(out)


def _link_text(text, used, section, open_tags):
    if not text.strip() or any(skip for _tag, skip in open_tags):
        return text

    def link(match):
        anchor = match.lastgroup.replace("_", "-")
        if anchor in used or anchor == section:
            return match.group(0)
        used.add(anchor)
        return f'<a href="{GLOSSARY_URL}#{anchor}">{match.group(0)}</a>'

    return TERM_RE.sub(link, text)

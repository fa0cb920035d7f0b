"""Reading grade of a rendered page, as the content guide measures it.

Flesch-Kincaid grade (textstat) over the page's own prose: the references list is left
out (paper titles are not what a patient reads through), and every block element ends
a sentence, so a heading or list item is not glued to the sentence after it.
"""

import html as html_lib
import re

import textstat

BLOCK_END_RE = re.compile(r"</(p|li|h[1-6]|summary|td|th|dt|dd|caption|figcaption)>", re.I)
REFERENCES_RE = re.compile(r'<div class="footnote">.*', re.S)
TAG_RE = re.compile(r"<[^>]+>")
FOOTNOTE_REF_RE = re.compile(r'<sup id="fnref[^"]*">.*?</sup>', re.S)


def prose_text(html):
    """The readable text of rendered HTML, one sentence per block at least."""
    html = REFERENCES_RE.sub("", html)
    html = FOOTNOTE_REF_RE.sub("", html)
    html = BLOCK_END_RE.sub(". ", html)
    text = html_lib.unescape(TAG_RE.sub(" ", html))
    text = re.sub(r"([.?!:;])\s*\.(\s|$)", r"\1\2", text)  # "Question?." -> "Question?"
    return re.sub(r"\s+", " ", text).strip()


def reading_grade(html):
    text = prose_text(html)
    if not text:
        return 0.0
    return round(textstat.flesch_kincaid_grade(text), 1)

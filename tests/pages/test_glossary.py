"""Research words link to the glossary: the first use on each page only, never inside links,
headings, code or the references, and every linked term has its entry on the glossary page."""

import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from pit_site.pages.content import parse_file
from pit_site.pages.glossary import TERMS
from pit_site.pages.models import Kind
from pit_site.pages.rendering import render_markdown
from pit_site.references.bibliography import file_register

ROOT = settings.CONTENT_DIR
REGISTER = file_register(ROOT)  # the pages cite the folder's bibliography


def links(html):
    return [
        (a["href"].split("#")[1], a.get_text())
        for a in BeautifulSoup(html, "html.parser").select('a[href^="/glossary/#"]')
    ]


def test_each_term_has_an_entry_on_the_glossary_page_and_each_entry_a_term():
    values = parse_file(ROOT / "glossary.md", ROOT)
    entries = BeautifulSoup(render_markdown(values["body"]), "html.parser").select("h2")
    assert sorted(h["id"] for h in entries) == sorted(TERMS)


def test_only_the_first_use_of_each_term_on_a_page_is_linked():
    html = render_markdown(
        "A placebo is used. Another Placebo.\n\n- a randomized controlled trial\n- a trial\n"
        "- a trial again, then a case series and a pilot"
    )
    assert links(html) == [
        ("placebo", "placebo"),
        ("randomised-trial", "randomized controlled trial"),
        ("trial", "trial"),
        ("case-series", "case series"),
        ("pilot-study", "pilot"),
    ]


@pytest.mark.parametrize(
    "markdown",
    [
        "## What is a placebo?",
        "[a placebo study](/evidence/)",
        "`placebo` and\n\n    placebo in a code block",
        "*[RCT]: randomised trial with a placebo\n\nAn RCT.",
        "Text.[^1]\n\n[^1]: A randomised, placebo-controlled trial. *Journal* 2020.",
    ],
    ids=["heading", "link", "code", "abbreviation", "references"],
)
def test_terms_are_never_linked_inside_headings_links_code_or_references(markdown):
    assert links(render_markdown(markdown)) == []


def test_an_faq_question_is_left_alone_and_its_answer_linked():
    html = render_markdown("## Is there a placebo?\n\nA placebo is a dummy.", faq=True)
    assert "<summary>Is there a placebo?</summary>" in html
    assert links(html) == [("placebo", "placebo")]


def test_a_heading_does_not_use_up_the_first_link():
    assert links(render_markdown("## Is there bias?\n\nBias again.")) == [("bias", "Bias")]


def test_a_term_is_not_linked_inside_its_own_glossary_entry():
    html = render_markdown(
        "## Placebo\n\nA placebo is a dummy.\n\n## Trial\n\nIt may use a placebo."
    )
    assert links(html) == [("placebo", "placebo")]
    assert "It may use a" in html.split('href="/glossary/#placebo"')[0]


@pytest.mark.parametrize("word", ["trialled", "pilots", "antibias", "placebo_x", "offlabel"])
def test_only_whole_words_are_linked(word):
    assert links(render_markdown(f"A {word} here.")) == []


def test_hostile_markup_stays_harmless_and_terms_in_attributes_are_left_alone():
    html = render_markdown(
        '<abbr title="a > placebo">x</abbr> <img src="/a.png" alt="placebo > bias"> '
        "<script>placebo</script> &lt;b&gt;bias&lt;/b&gt; trial"
    )
    doc = BeautifulSoup(html, "html.parser")
    assert doc.select_one("abbr")["title"] == "a > placebo"
    assert doc.select_one("img")["alt"] == "placebo > bias"
    assert not doc.select("script")
    assert links(html) == [("bias", "bias"), ("trial", "trial")]


@pytest.mark.parametrize("file", sorted(ROOT.rglob("*.md")), ids=lambda f: f.stem)
def test_shipped_pages_link_each_term_at_most_once(file):
    values = parse_file(file, ROOT)
    found = [anchor for anchor, _text in links(
        render_markdown(values["body"], faq=values["kind"] == Kind.FAQ, register=REGISTER)
    )]  # fmt: skip
    assert len(found) == len(set(found))


def test_the_evidence_page_links_its_research_words():
    values = parse_file(ROOT / "evidence.md", ROOT)
    found = {anchor for anchor, _text in links(render_markdown(values["body"], register=REGISTER))}
    assert {"placebo", "trial", "case-series", "bias", "off-label"} <= found

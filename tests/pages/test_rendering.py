"""The one Markdown renderer: useful structure in, nothing executable out."""

from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup

from pit_site.pages.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    faq_items,
    render_markdown,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="card"></form>',
    '<p onmouseover="alert(1)">hover</p>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    '[a](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    '![alt" onerror="alert(1)](https://ok.example/x.png)',
    "## Heading {: onclick=alert(1) }",
    'text {: #id onclick="alert(1)" }',
    '[^1" onmouseover="alert(1)]\n\n[^1" onmouseover="alert(1)]: note',
    "*[HTML]: <script>alert(1)</script>\n\nHTML",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<!-- <script>alert(1)</script> -->",
    '<a href="https://ok.example" target="_blank">new window</a>',
    "```\n<script>alert(1)</script>\n```",
]


def assert_inert(html):
    doc = BeautifulSoup(html, "html.parser")
    for tag in doc.find_all(True):
        assert tag.name in ALLOWED_TAGS, tag.name
        allowed = (
            ALLOWED_ATTRIBUTES.get(tag.name, set()) | ALLOWED_ATTRIBUTES["*"] | {"class", "rel"}
        )
        for name, value in tag.attrs.items():
            assert name in allowed, (tag.name, name)
            if name in {"href", "src"}:
                scheme = urlparse(value.strip()).scheme.lower()
                assert scheme in ALLOWED_URL_SCHEMES or scheme == "", value
    # What survives is escaped text: no live tag, and no attribute outside the allowlist.


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_comes_out_inert(markdown):
    assert_inert(render_markdown(markdown))
    assert_inert(render_markdown(f"## Question?\n\n{markdown}", faq=True))


def test_script_in_code_block_is_shown_as_text_not_run():
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;" in html


def test_links_get_safe_rel_and_keep_allowed_schemes():
    html = render_markdown("[a](https://a.example) [b](mailto:x@example.com) [c](/faqs/#x)")
    doc = BeautifulSoup(html, "html.parser")
    assert [a["href"] for a in doc.find_all("a")] == [
        "https://a.example", "mailto:x@example.com", "/faqs/#x",
    ]  # fmt: skip
    assert all(a["rel"] == ["noopener", "noreferrer"] for a in doc.find_all("a"))


def test_headings_get_ids_for_deep_links():
    doc = BeautifulSoup(
        render_markdown("## What does it cost?\n\n### Paying by card"), "html.parser"
    )
    assert doc.h2["id"] == "what-does-it-cost"
    assert doc.h3["id"] == "paying-by-card"


def test_tables_render():
    doc = BeautifulSoup(render_markdown("| A | B |\n|---|---|\n| 1 | 2 |"), "html.parser")
    assert [th.text for th in doc.select("thead th")] == ["A", "B"]
    assert [td.text for td in doc.select("tbody td")] == ["1", "2"]
    # wide tables scroll inside a region that keyboard users can focus
    assert doc.select_one("div.table-scroll[role=region][tabindex='0'][aria-label] > table")


def test_footnotes_become_a_numbered_references_list():
    html = render_markdown(
        "Small trials.[^b] Case series.[^a]\n\n"
        "[^a]: Second cited. [Link](https://a.example)\n"
        "[^b]: First cited. [Link](https://b.example)\n"
    )
    doc = BeautifulSoup(html, "html.parser")
    assert [sup.text for sup in doc.select("sup a.footnote-ref")] == ["1", "2"]
    assert doc.select_one(".footnote h2#references").text == "References"
    items = doc.select(".footnote ol li")
    assert [li.p.text.split(".")[0] for li in items] == ["First cited", "Second cited"]


def test_faq_questions_become_details_with_anchors_and_references_stay_outside():
    html = render_markdown(
        "Intro.\n\n## Does it hurt?\n\nA little.[^x]\n\n## Can I drive?\n\n- Usually.\n\n"
        "[^x]: A source. [Link](https://a.example)\n",
        faq=True,
    )
    doc = BeautifulSoup(html, "html.parser")
    assert doc.p.text == "Intro."
    items = doc.select("section.faq > details.faq-item")
    assert [(d["id"], d.summary.text) for d in items] == [
        ("does-it-hurt", "Does it hurt?"), ("can-i-drive", "Can I drive?"),
    ]  # fmt: skip
    assert doc.select_one("section.faq + div.footnote h2#references")
    assert [q for _, q, _ in faq_items(html)] == ["Does it hurt?", "Can I drive?"]


def test_empty_and_odd_input():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
    odd = "Right\u202eto-left \u0000 null \ud800 surrogate {{ template }} {% tag %} " * 10
    assert_inert(render_markdown(odd))
    assert "{{ template }}" in render_markdown("{{ template }}")

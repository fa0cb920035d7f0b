"""Illustrations placed with {{ figure.name }}: what patients get, and what editors cannot do."""

import pytest
from bs4 import BeautifulSoup

from pit_site.pages.figures import FIGURES
from pit_site.pages.models import Page
from pit_site.pages.readability import reading_grade
from pit_site.pages.rendering import RenderError, render_markdown
from pit_site.search.models import SearchDocument
from tests.conftest import soup

PAGES_WITH_DEPTHS = ["/what-is-pit/", "/how-it-works/", "/pit-vs-prolotherapy/"]


def test_a_placeholder_on_its_own_line_becomes_a_marker_with_no_words():
    html = render_markdown("Before.\n\n{{ figure.injection_depths }}\n\nAfter.")
    assert "<!--figure:injection_depths-->" in html
    assert "{{" not in html
    assert reading_grade(html) == reading_grade(render_markdown("Before.\n\nAfter."))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ figure.body_map }}", "There is no figure called {{ figure.body_map }}"),
        ("{{ figure.<script>alert(1)</script> }}", "There is no figure called"),
        ("{{ figure.injection_depths' OR 1=1 -- }}", "There is no figure called"),
        ("{{ figure.injéction_depths }}", "There is no figure called"),
        ("{{ figure." + "x" * 5000 + " }}", "There is no figure called"),
        ("See {{ figure.injection_depths }} here.", "on a line of its own"),
        ("- {{ figure.treatment_journey }}", "on a line of its own"),
        ("{{ figure.injection_depths }}\n\n{{ figure.injection_depths }}", "only once"),
    ],
)
def test_a_wrong_placeholder_is_refused_with_a_message(body, message):
    with pytest.raises(RenderError, match="figure") as refused:
        render_markdown(body)
    assert message in str(refused.value)
    if "no figure" in message:
        for name in FIGURES:
            assert f"{{{{ figure.{name} }}}}" in str(refused.value)


def test_editors_cannot_write_markers_or_svg_themselves():
    body = (
        "<!--figure:injection_depths-->\n\n<svg><a href='javascript:alert(1)'>x</a></svg>\n\n"
        '<div class="figure-slot" data-figure="injection_depths">x</div>'
    )
    html = render_markdown(body)
    assert "<!--" not in html and "<svg" not in html and "javascript" not in html
    assert "data-figure" not in html and "figure-slot" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES_WITH_DEPTHS)
def test_the_injection_drawing_has_a_text_alternative(client, url):
    figure = soup(client.get(url)).select_one(".prose figure.injection-depths")
    art = figure.select_one("svg")
    assert art["role"] == "img"
    title = art.select_one("title")
    assert art["aria-labelledby"] == title["id"] and title.text.strip()
    caption = " ".join(figure.select_one("figcaption").text.split())
    for fact in [
        "just under the skin, near a small nerve",
        "5% dextrose",
        "Classical prolotherapy",
        "ligament or tendon",
        "steroid injection",
        "into the joint",
    ]:
        assert fact in caption, fact
    labels = {text.text for text in art.select("text")}
    assert {"Outer skin", "Inner skin", "Fat", "Muscle", "Bone", "Small nerve", "Joint"} <= labels
    assert not art.select("[style]")  # colours come from classes (CSP and dark mode)


@pytest.mark.django_db
def test_figure_captions_are_plain_english(client):
    for url in [*PAGES_WITH_DEPTHS, "/your-treatment/"]:
        for figure in soup(client.get(url)).select(".prose figure"):
            words = "".join(str(part) for part in figure.select("figcaption, ol.timeline"))
            assert 0 < reading_grade(words) <= 8, url


@pytest.mark.django_db
def test_a_figure_is_shown_where_the_editor_puts_it_and_nowhere_else(client):
    page = Page.objects.get(path="about")
    page.body = page.body + "\n\n{{ figure.injection_depths }}\n"
    page.save()
    html = soup(client.get("/about/"))
    assert len(html.select(".prose figure.injection-depths")) == 1
    assert not html.select(".prose figure.journey")
    assert "{{" not in html.select_one(".prose").text


@pytest.mark.django_db
def test_search_and_reading_grade_never_see_the_placeholder():
    document = SearchDocument.objects.get(url="/what-is-pit/", position=0)
    assert "figure" not in document.body and "{{" not in document.body


@pytest.mark.django_db
def test_the_editor_preview_names_the_figure_and_refuses_an_unknown_one(editor_client):
    response = editor_client.post(
        "/editor/preview/", {"content": "Hello.\n\n{{ figure.injection_depths }}"}
    )
    assert response.status_code == 200
    html = BeautifulSoup(response.content.decode(), "html.parser")
    assert "Illustration: Where the injections go" in " ".join(html.text.split())

    refused = editor_client.post("/editor/preview/", {"content": "{{ figure.nope }}"})
    assert refused.status_code == 400
    assert "There is no figure called {{ figure.nope }}" in refused.content.decode()
    hostile = "{{ figure.<script>alert(1)</script><img src=x onerror=alert(1)> }}"
    refused = editor_client.post("/editor/preview/", {"content": hostile})
    assert refused.status_code == 400
    assert "<script" not in refused.content.decode() and "<img" not in refused.content.decode()

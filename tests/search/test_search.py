"""Site search through the results page, on whichever database is active (SQLite by default,
PostgreSQL in CI's second run): both must give the same top results for the shipped content."""

import datetime

import pytest
from django.utils import timezone

from pit_site.pages.models import Page
from pit_site.search.engine import search
from pit_site.search.models import SearchDocument, Synonym, UnmatchedSearch
from pit_site.search.text import MAX_QUERY_CHARS
from tests.conftest import make_staff, sign_in, soup

pytestmark = pytest.mark.django_db


def result_links(client, query):
    html = soup(client.get("/search/", {"q": query}))
    return [a["href"] for a in html.select("ol.results h2 a")]


# Ten patient-style queries and the page each should find first, on both databases.
TOP_RESULTS = [
    ("heel pain", "/conditions/plantar-fasciitis/"),
    ("is it safe if I am diabetic", "/safety/"),
    ("how much does it cost", "/fees/"),
    ("does it hurt", "/faqs/#does-it-hurt"),
    ("tennis elbow", "/conditions/tennis-elbow/"),
    ("pins and needles", "/conditions/sciatica/"),
    ("can I drive home", "/faqs/#can-i-drive-afterwards"),
    ("side effects", "/safety/"),
    ("jab in my knee", "/conditions/knee-pain/"),
    ("prolo", "/faqs/#is-it-the-same-as-prolotherapy"),
]


@pytest.mark.parametrize(("query", "expected"), TOP_RESULTS)
def test_patient_queries_find_the_right_page_first(client, query, expected):
    assert result_links(client, query)[0] == expected


def test_full_order_for_a_broad_query_is_stable(client):
    """The order comes from one Python scoring function, so both databases agree beyond
    the first result too (ties broken by the page's order and title)."""
    links = result_links(client, "is it safe if I am diabetic")
    assert links[:3] == [
        "/safety/",
        "/faqs/#can-i-have-pit-if-i-have-diabetes",
        "/faqs/#is-pit-safe",
    ]


def make_page(path, title, body, **extra):
    values = {"summary": "A test page.", "status": "published", **extra}
    return Page.objects.create(path=path, title=title, body=body, **values)


def test_title_counts_more_than_headings_and_headings_more_than_text(client):
    make_page("test-body", "A page", "Zebrafish. " * 3 + "\n\nZebrafish again.")
    make_page("test-heading", "Another page", "## About zebrafish\n\nText.")
    make_page("test-title", "Zebrafish", "Nothing else.")
    assert result_links(client, "zebrafish") == ["/test-title/", "/test-heading/", "/test-body/"]


def test_faq_answer_is_its_own_result_linking_to_its_question(client):
    html = soup(client.get("/search/", {"q": "can I drive"}))
    first = html.select_one("ol.results li")
    assert first.h2.a["href"] == "/faqs/#can-i-drive-afterwards"
    assert first.h2.a.text == "Can I drive afterwards?"
    assert first.select_one(".result-where").text == "Home › FAQs"


def test_result_shows_breadcrumb_and_marks_the_matched_words(client):
    html = soup(client.get("/search/", {"q": "tennis elbow"}))
    first = html.select_one("ol.results li")
    assert first.select_one(".result-where").text == "Home › Conditions we treat"
    marked = {m.text.lower() for m in first.select(".result-snippet mark")}
    assert {"tennis", "elbow"} <= marked


def test_a_query_cannot_inject_markup(client):
    make_page("test-bold", "Bold claims", "We avoid bold claims.")
    response = client.get(
        "/search/", {"q": '<b onmouseover="x">bold</b> <script>alert(1)</script>'}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in text and "<b onmouseover" not in text
    assert "&lt;b onmouseover" in text  # shown back, escaped
    assert "<mark>bold</mark>" in text.lower()


def test_page_text_in_snippets_is_escaped(client):
    make_page("test-escape", "Escaping", "Zebrafish &lt;img src=x onerror=alert(1)&gt; here.")
    text = client.get("/search/", {"q": "zebrafish"}).content.decode()
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


HOSTILE = [
    "x" * 5000,
    "heel\x00pain\x07",
    "' OR 1=1; DROP TABLE pages_page; --",
    "%",
    "_",
    "%_%",
    "NEAR(heel pain)",
    'heel NEAR/2 "pain',
    '"',
    '"""',
    "heel*",
    "^heel",
    "title:heel",
    "-heel",
    "AND OR NOT",
    "(((",
    "\u202eheel pain\u202c",
    "\u200f\u200e\u200b",
    "😀",
    "🦶 heel",
    "ｈｅｅｌ",
    "   ",
    "",
    "\\",
    "{{ clinic.name }}",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_and_odd_queries_get_a_page_not_an_error(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert soup(response).h1.text.strip()


def test_undecodable_and_repeated_parameters_are_fine(client):
    assert client.get("/search/?q=%ff%fe%00heel").status_code == 200
    assert client.get("/search/?q=heel&q=pain").status_code == 200
    assert client.get("/search/?nothing=1").status_code == 200


def test_queries_are_cut_at_a_sensible_length(client):
    html = soup(client.get("/search/", {"q": "heel " * 100}))
    shown = html.select_one("#search-q")["value"]
    assert len(shown) <= MAX_QUERY_CHARS
    assert shown.startswith("heel heel")
    assert "we used its first" in html.select_one(".search-page").text  # said, not silent
    assert "we used its first" not in soup(client.get("/search/", {"q": "heel"})).text


def test_fullwidth_and_rtl_marked_words_are_searched_as_plain_words(client):
    assert result_links(client, "\u202eｈｅｅｌ pain\u202c")[0] == "/conditions/plantar-fasciitis/"


def test_misspelling_gets_a_did_you_mean_link(client):
    html = soup(client.get("/search/", {"q": "planter fashitis"}))
    link = html.select_one(".suggestion a")
    assert link.text == "plantar fasciitis"
    assert link["href"] == "/search/?q=plantar%20fasciitis"
    assert result_links(client, link.text)[0] == "/conditions/plantar-fasciitis/"


def test_known_words_get_no_suggestion(client):
    assert not soup(client.get("/search/", {"q": "heel pain"})).select(".suggestion")


def test_an_everyday_word_the_site_does_not_use_is_not_corrected(client):
    # "home" is one letter from "hope", which the pages use: no "Did you mean ... hope".
    html = soup(client.get("/search/", {"q": "can I drive home afterwards"}))
    assert not html.select(".suggestion")
    assert result_links(client, "can I drive home afterwards")[0] == "/faqs/#can-i-drive-afterwards"


def test_no_results_says_so_kindly_and_offers_help(client):
    response = client.get("/search/", {"q": "xylophone lessons"})
    html = soup(response)
    assert "could not find a page" in html.select_one(".no-results").text
    useful = [a["href"] for a in html.select(".search-page .cards a")]
    assert useful[:2] == ["/what-is-pit/", "/conditions/"]
    assert "/contact/" in useful
    page_text = html.select_one(".search-page").text
    assert "01632 960 123" in page_text
    assert html.select_one('.search-page a[href="#urgent-help"]')
    assert html.select_one("#urgent-help")


def test_searches_that_find_nothing_are_counted_per_day_as_words_only(client):
    client.get("/search/", {"q": "Xylophone lessons!"})
    client.get("/search/", {"q": "xylophone   LESSONS"}, REMOTE_ADDR="10.0.0.9")
    client.get("/search/", {"q": "xylophone 07700900123 zither"})
    client.get("/search/", {"q": "heel pain"})  # found something: not recorded
    rows = {(r.words, r.count) for r in UnmatchedSearch.objects.all()}
    assert rows == {("xylophone lessons", 2), ("xylophone zither", 1)}
    assert {r.day for r in UnmatchedSearch.objects.all()} == {timezone.localdate()}
    field_names = {f.name for f in UnmatchedSearch._meta.get_fields()}
    assert field_names == {"id", "day", "words", "count"}  # no address, session or time


def test_editors_change_synonyms_in_the_admin_and_search_uses_them(client, editor):
    assert result_links(client, "zebra") == []
    sign_in(client, editor)
    response = client.post("/admin/search/synonym/add/", {"words": "zebra, tennis elbow"})
    assert response.status_code == 302
    client.logout()
    assert result_links(client, "zebra")[0] == "/conditions/tennis-elbow/"


def test_seeded_synonyms_cover_patients_words():
    seeded = " | ".join(Synonym.objects.values_list("words", flat=True)).lower()
    for words in ["dextrose", "d5w", "prolo", "neural prolotherapy", "npt", "plantar fasciitis",
                  "lateral elbow", "jab", "pins and needles", "price", "fee"]:  # fmt: skip
        assert words in seeded


def test_editors_see_searches_that_found_nothing_and_reception_does_not(client, editor):
    UnmatchedSearch.objects.create(day=datetime.date(2026, 1, 5), words="xylophone", count=3)
    sign_in(client, editor)
    page = client.get("/admin/search/unmatchedsearch/")
    assert page.status_code == 200 and b"xylophone" in page.content
    sign_in(client, make_staff("rosa", "reception"))
    assert client.get("/admin/search/unmatchedsearch/").status_code == 403
    assert client.get("/admin/search/synonym/").status_code == 403


def test_index_follows_saves_unpublishing_and_deletes(client):
    page = make_page("test-index", "Quokka care", "All about quokkas.")
    assert result_links(client, "quokka") == ["/test-index/"]
    page.title = "Wombat care"
    page.save()
    assert result_links(client, "quokka") == ["/test-index/"]  # still in the text
    assert result_links(client, "wombat") == ["/test-index/"]
    page.status = "draft"
    page.save()
    assert result_links(client, "wombat") == []
    page.status = "published"
    page.save()
    page.delete()
    assert result_links(client, "wombat") == []
    assert not SearchDocument.objects.filter(url="/test-index/").exists()


def test_renaming_a_section_updates_its_pages_breadcrumbs(client):
    section = Page.objects.get(path="conditions")
    section.title = "Conditions we help with"
    section.save()
    html = soup(client.get("/search/", {"q": "tennis elbow"}))
    assert html.select_one(".result-where").text == "Home › Conditions we help with"


def test_drafts_are_never_found(client):
    make_page("test-draft", "Secret draft", "Quokka plans.", status="draft")
    assert result_links(client, "quokka") == []


def test_every_page_has_a_plain_get_search_box_in_the_header(client):
    for path in ["/", "/faqs/", "/conditions/knee-pain/", "/contact/"]:
        form = soup(client.get(path)).select_one("header form[role=search]")
        assert form["action"] == "/search/" and form["method"] == "get", path
        assert not form.select("input[name=csrfmiddlewaretoken]"), path
        label = soup(client.get(path)).select_one("label[for=header-search-q]")
        assert label.text.strip() == "Search this site"


def test_results_page_is_not_indexed_by_search_engines(client):
    html = soup(client.get("/search/", {"q": "heel"}))
    assert html.select_one("meta[name=robots]")["content"] == "noindex"


def test_search_function_gives_at_most_twenty_results():
    outcome = search("pain")
    assert outcome.total > 20 and len(outcome.results) == 20


def test_postgresql_ranks_the_stored_weighted_vector():
    """Not to_tsvector(vector::text), which would lose the weights and re-parse every row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with CaptureQueriesContext(connection) as queries:
        search("heel pain")
    [ranked] = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert "to_tsvector" not in ranked

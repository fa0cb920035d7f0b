"""Every public page, as a patient's browser receives it."""

import json

import pytest
from django.test import Client

from pit_site.clinic.models import Clinic
from pit_site.pages.models import Kind, Page, Region
from tests.conftest import soup

pytestmark = pytest.mark.django_db

REQUIRED_PATHS = [
    "/", "/what-is-pit/", "/how-it-works/", "/your-treatment/", "/safety/", "/faqs/",
    "/conditions/", "/pit-vs-prolotherapy/", "/evidence/", "/fees/", "/about/", "/privacy/",
    "/accessibility/", "/contact/",
]  # fmt: skip


def all_urls():
    return [page.get_absolute_url() for page in Page.objects.all()]


def test_every_required_page_exists():
    urls = set(all_urls())
    assert not [path for path in REQUIRED_PATHS if path not in urls]


def test_every_page_renders_with_one_h1_description_review_and_urgent_help(client):
    for url in all_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        html = soup(response)
        assert len(html.find_all("h1")) == 1, url
        description = html.find("meta", attrs={"name": "description"})
        assert description and len(description["content"]) >= 50, url
        assert html.find("main", id="main") and html.find("a", class_="skip-link"), url
        assert html.select_one("aside.review"), url
        assert html.select_one("footer #urgent-help"), url
        assert html.title.string.endswith(Clinic.load().name), url


def test_unreviewed_page_says_so_and_reviewed_page_shows_dates(client):
    page = Page.objects.get(path="safety")
    assert "awaiting clinical review" in soup(client.get("/safety/")).select_one(".review").text

    page.last_reviewed = "2026-10-01"
    page.next_review_due = "2027-10-01"
    page.reviewer = "Dr Test Reviewer"
    page.reviewer_role = "Pain physician"
    page.save()
    review = " ".join(soup(client.get("/safety/")).select_one(".review").text.split())
    assert "Page last reviewed: 1 Oct 2026 by Dr Test Reviewer, Pain physician" in review
    assert "Next review due: 1 Oct 2027" in review


def test_clinic_details_come_from_the_clinic_record(client):
    clinic = Clinic.load()
    clinic.name = "Harbourside Nerve Clinic"
    clinic.phone = "0117 496 0999"
    clinic.emergency_number = "112"
    clinic.urgent_advice = "Go to the emergency department at St Elsewhere."
    clinic.save()
    for url in ["/", "/contact/", "/conditions/knee-pain/"]:
        text = soup(client.get(url)).text
        assert "Harbourside Nerve Clinic" in text
        assert "Example Pain Clinic" not in text
        assert "0117 496 0999" in text
        assert "St Elsewhere" in text
    contact = soup(client.get("/contact/"))
    assert contact.select_one('.contact-details a[href="tel:01174960999"]')
    assert contact.select_one('#urgent-help a[href="tel:112"]')


def test_unknown_paths_get_the_friendly_404(client):
    for url in ["/no-such-page/", "/conditions/no-such-condition/", "/UPPER/", "/%00/", "/a/../b/"]:
        response = client.get(url)
        assert response.status_code == 404, url
    html = soup(client.get("/no-such-page/"))
    assert html.h1.text.startswith("Sorry, we cannot find")
    assert html.select_one("#urgent-help")


def test_server_error_page_is_friendly_and_standalone(client, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Sorry, something went wrong" in html and "not for emergencies" in html


def test_pages_refuse_writes(client):
    assert client.post("/faqs/").status_code == 405


def test_faq_page_has_twenty_or_more_questions_as_details_with_anchors(client):
    html = soup(client.get("/faqs/"))
    items = html.select("details.faq-item")
    assert len(items) >= 20
    anchors = [item["id"] for item in items]
    assert len(set(anchors)) == len(anchors) and all(anchors)
    for item in items:
        assert item.summary.text.strip().endswith("?")
        assert item.find("p") or item.find("ul")
    blocks = [json.loads(s.string) for s in html.find_all("script", type="application/ld+json")]
    [data] = [block for block in blocks if block["@type"] == "FAQPage"]
    assert [q["name"] for q in data["mainEntity"]] == [i.summary.text for i in items]
    assert all(q["acceptedAnswer"]["text"] for q in data["mainEntity"])


def test_faqs_cover_what_patients_ask(client):
    questions = " ".join(s.text.lower() for s in soup(client.get("/faqs/")).select("summary"))
    for topic in [
        "cost", "drive", "diabetes", "pregnan", "blood thinner", "steroid", "not help",
        "hurt", "how many", "side effect", "insurance",
    ]:  # fmt: skip
        assert topic in questions, topic


def test_conditions_index_groups_at_least_twelve_conditions_by_region(client):
    conditions = Page.objects.filter(kind=Kind.CONDITION)
    assert conditions.count() >= 12
    html = soup(client.get("/conditions/"))
    regions = [h.text for h in html.select("section.region h2")]
    labels = [label for value, label in Region.choices if conditions.filter(region=value).exists()]
    assert regions == labels
    linked = {a["href"] for a in html.select("section.region .cards a")}
    assert linked == {page.get_absolute_url() for page in conditions}


def test_condition_pages_lead_back_to_the_conditions_index(client):
    # What each condition page must cover is checked in tests/content/test_condition_pages.py.
    for page in Page.objects.filter(kind=Kind.CONDITION):
        html = soup(client.get(page.get_absolute_url()))
        assert html.select_one("nav.breadcrumbs a[href='/conditions/']"), page.path


def test_evidence_page_links_at_least_six_references_and_separates_techniques(client):
    html = soup(client.get("/evidence/"))
    references = html.select(".footnote ol > li")
    assert len([li for li in references if li.select("a[href^='http']")]) >= 6
    text = html.select_one(".prose").text.lower()
    for technique in ["ultrasound", "classical", "under the skin"]:
        assert technique in text, technique


def test_sitemap_and_robots(client):
    sitemap = client.get("/sitemap.xml").content.decode()
    for url in all_urls():
        assert f"{url}</loc>" in sitemap, url
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()


def test_static_files_are_hashed_and_compressed(client):
    from django.contrib.staticfiles.storage import staticfiles_storage

    css = staticfiles_storage.url("css/site.css")
    assert css.startswith("/static/css/site.") and css != "/static/css/site.css"
    assert staticfiles_storage.exists(staticfiles_storage.stored_name("css/site.css") + ".gz")
    assert f'href="{css}"' in client.get("/").content.decode()


def test_a_draft_section_is_not_in_the_breadcrumbs_patients_see(editor_client):
    section = Page.objects.get(path="conditions")
    section.status = "draft"
    section.save()
    html = soup(Client().get("/conditions/knee-pain/"))
    assert html.select_one("nav.breadcrumbs") is None
    assert section.title not in html.select_one("main").text
    assert not html.select('main a[href="/conditions/"]')  # a link that would 404

    crumbs = soup(editor_client.get("/conditions/knee-pain/")).select_one("nav.breadcrumbs")
    assert crumbs.find("a", href="/conditions/").text == section.title  # staff see the draft

"""What search engines and link previews read: canonical links, share tags, JSON-LD (parsed
and checked for types and required fields), sitemap, robots.txt and security.txt."""

import datetime
import json
import re

import pytest
from django.test import override_settings

from pit_site.clinic.models import Clinic
from pit_site.pages.models import Page
from pit_site.pages.seo import opening_hours, postal_address
from tests.conftest import soup

pytestmark = pytest.mark.django_db

SITE = "https://clinic.example.org"


def json_ld(response):
    html = soup(response)
    blocks = [json.loads(s.string) for s in html.find_all("script", type="application/ld+json")]
    return {block["@type"]: block for block in blocks}


@override_settings(SITE_URL=SITE)
@pytest.mark.parametrize("path", ["/", "/what-is-pit/", "/conditions/knee-pain/", "/faqs/"])
def test_every_page_has_canonical_description_and_share_tags(client, path):
    page = Page.objects.get(path=path.strip("/"))
    html = soup(client.get(path))
    assert html.select_one("link[rel=canonical]")["href"] == SITE + path
    assert html.select_one("meta[name=description]")["content"] == page.summary

    def meta(attribute, name):
        return html.select_one(f'meta[{attribute}="{name}"]')["content"]

    assert meta("property", "og:title") == page.title
    assert meta("property", "og:description") == page.summary
    assert meta("property", "og:url") == SITE + path
    assert re.fullmatch(
        rf"{SITE}/static/img/share(\.[0-9a-f]+)?\.png", meta("property", "og:image")
    )
    assert meta("property", "og:image:alt") == "Example Pain Clinic"
    assert meta("name", "twitter:card") == "summary_large_image"


def test_share_image_exists_and_is_the_size_the_tags_say(settings):
    from PIL import Image

    with Image.open(settings.BASE_DIR / "static" / "img" / "share.png") as image:
        assert image.size == (1200, 630)


def test_pages_outside_the_content_have_share_tags_and_404s_no_canonical(client):
    contact = soup(client.get("/contact/"))
    assert contact.select_one("link[rel=canonical]")["href"].endswith("/contact/")
    missing = soup(client.get("/no-such-page/"))
    assert not missing.select("link[rel=canonical]")
    assert missing.select_one('meta[property="og:title"]')


@override_settings(SITE_URL=SITE)
def test_condition_page_json_ld(client):
    page = Page.objects.get(path="conditions/knee-pain")
    page.last_reviewed, page.reviewer = datetime.date(2026, 11, 2), "Dr A Example"
    page.reviewer_role = "Pain physician"
    page.save()
    blocks = json_ld(client.get("/conditions/knee-pain/"))
    assert set(blocks) == {"MedicalWebPage", "BreadcrumbList", "MedicalClinic"}

    web_page = blocks["MedicalWebPage"]
    assert web_page["@context"] == "https://schema.org"
    assert web_page["name"] == page.title
    assert web_page["description"] == page.summary
    assert web_page["url"] == f"{SITE}/conditions/knee-pain/"
    assert web_page["lastReviewed"] == "2026-11-02"
    assert web_page["reviewedBy"] == {
        "@type": "Person", "name": "Dr A Example", "jobTitle": "Pain physician",
    }  # fmt: skip
    assert web_page["about"] == {"@type": "MedicalCondition", "name": page.list_title}
    assert web_page["audience"]["audienceType"] == "Patient"

    crumbs = blocks["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["item"]) for c in crumbs] == [
        (1, f"{SITE}/"), (2, f"{SITE}/conditions/"), (3, f"{SITE}/conditions/knee-pain/"),
    ]  # fmt: skip
    assert all(c["@type"] == "ListItem" and c["name"] for c in crumbs)


def test_unreviewed_page_claims_no_review(client):
    blocks = json_ld(client.get("/faqs/"))
    assert set(blocks) == {"MedicalWebPage", "FAQPage", "MedicalClinic"}
    assert "lastReviewed" not in blocks["MedicalWebPage"]
    assert "reviewedBy" not in blocks["MedicalWebPage"]
    assert "about" not in blocks["MedicalWebPage"]


@override_settings(SITE_URL=SITE)
def test_clinic_json_ld_comes_from_the_clinics_details(client):
    clinic = Clinic.load()
    clinic.name, clinic.phone = "Harbour Pain Clinic", "0117 496 0000"
    clinic.address = "Unit 4, Quay Street\nBristol\nBS1 4DJ"
    clinic.opening_hours = (
        "Monday to Thursday: 8.30am to 6pm\nFriday: 9am to 12 noon\nSunday: closed"
    )
    clinic.save()
    data = json_ld(client.get("/"))["MedicalClinic"]
    assert data["name"] == "Harbour Pain Clinic"
    assert data["telephone"] == "0117 496 0000"
    assert data["url"] == f"{SITE}/"
    assert data["address"] == {
        "@type": "PostalAddress", "streetAddress": "Unit 4, Quay Street",
        "addressLocality": "Bristol", "postalCode": "BS1 4DJ",
    }  # fmt: skip
    assert data["openingHours"] == ["Mo-Th 08:30-18:00", "Fr 09:00-12:00"]


def test_opening_hours_and_address_read_what_they_can():
    assert opening_hours("Saturday: 9am to 12 noon\nBank holidays: closed\nnonsense") == [
        "Sa 09:00-12:00"
    ]
    assert opening_hours("Monday-Friday 09:00 - 17:30") == ["Mo-Fr 09:00-17:30"]
    assert postal_address("The Old Mill") == {
        "@type": "PostalAddress", "streetAddress": "The Old Mill",
    }  # fmt: skip


def test_json_ld_cannot_close_its_script_element(client):
    page = Page.objects.get(path="what-is-pit")
    page.title = "PIT </script><script>alert(1)</script> & more"
    page.save()
    response = client.get("/what-is-pit/")
    text = response.content.decode()
    assert "</script><script>alert(1)" not in text
    assert json_ld(response)["MedicalWebPage"]["name"] == page.title


def test_sitemap_has_lastmod_from_update_time_and_leaves_drafts_out(client):
    page = Page.objects.get(path="fees")
    Page.objects.create(path="secret-draft", title="Draft", summary="Draft.", status="draft")
    sitemap = client.get("/sitemap.xml").content.decode()
    entry = re.search(r"<url><loc>[^<]*/fees/</loc><lastmod>([^<]+)</lastmod>", sitemap)
    assert entry and entry[1] == page.updated_at.date().isoformat()
    assert "secret-draft" not in sitemap


def test_robots_txt_names_the_sitemap(client):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()


@override_settings(SECURITY_CONTACT="mailto:security@clinic.example.org", SITE_URL=SITE)
def test_security_txt_has_contact_and_a_future_expiry(client):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:security@clinic.example.org"
    expires = datetime.datetime.fromisoformat(fields["Expires"])
    now = datetime.datetime.now(datetime.UTC)
    assert now < expires < now + datetime.timedelta(days=366)
    assert fields["Canonical"] == f"{SITE}/.well-known/security.txt"


@override_settings(SECURITY_TXT_EXPIRES="2030-06-30")
def test_security_txt_expiry_can_be_fixed(client):
    assert b"Expires: 2030-06-30T23:59:59Z" in client.get("/.well-known/security.txt").content


def test_on_this_page_lists_the_sections_of_long_pages(client):
    html = soup(client.get("/safety/"))
    nav = html.select_one("nav.on-this-page")
    headings = [(h["id"], h.text) for h in html.select(".prose h2") if h["id"] != "references"]
    assert len(headings) >= 3
    assert [(a["href"], a.text) for a in nav.select("a")] == [(f"#{i}", t) for i, t in headings]
    assert nav.h2.text == "On this page"


def test_on_this_page_is_left_out_of_short_pages_and_faqs(client):
    Page.objects.create(
        path="short", title="Short", summary="Short.", status="published",
        body="## One\n\nText.\n\n## Two\n\nText.",
    )  # fmt: skip
    assert not soup(client.get("/short/")).select("nav.on-this-page")
    assert not soup(client.get("/faqs/")).select("nav.on-this-page")


def test_on_this_page_shows_heading_text_not_markup(client):
    Page.objects.create(
        path="marked", title="Marked", summary="Marked.", status="published",
        body="## Is it *safe*?\n\nYes.\n\n## Fish & chips\n\nText.\n\n## Three\n\nText.",
    )  # fmt: skip
    links = [a.text for a in soup(client.get("/marked/")).select("nav.on-this-page a")]
    assert links == ["Is it safe?", "Fish & chips", "Three"]

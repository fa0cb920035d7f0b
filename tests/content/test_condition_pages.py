"""Each condition page answers what a patient needs, in the order the issue asks for.

What the condition is, how PIT is used for it, what the evidence says for it (level and at
least one linked reference), a typical course, when to get urgent help, and how to contact us.
"""

import re

import pytest

from pit_site.pages.models import EVIDENCE_EXPLAINED, Kind, Page
from tests.conftest import soup

pytestmark = pytest.mark.django_db

RATING_ANCHOR = "how-strong-is-the-evidence"


def sections(html):
    """{h2 text: [the elements up to the next h2]} for the page body."""
    found = {}
    for heading in html.select(".prose > h2"):
        parts = []
        for sibling in heading.find_next_siblings():
            if sibling.name == "h2":
                break
            parts.append(sibling)
        found[heading.get_text(" ", strip=True)] = parts
    return found


def missing_parts(page, html):
    """What a condition page lacks, in plain words; empty when it has everything."""
    found = sections(html)
    headings = list(found)
    missing = []
    if not headings or not re.match(r"What (is|are) .+\?$", headings[0]):
        missing.append("a first heading asking what the condition is")

    def section(pattern):
        return next((found[h] for h in headings if re.search(pattern, h, re.I)), None)

    if section(r"^How is PIT used for .+\?$") is None:
        missing.append("a section on how PIT is used")
    evidence = section(r"\bevidence\b")
    if evidence is None:
        missing.append("a section on the evidence")
    else:
        linked = {
            li["id"] for li in html.select(".footnote li[id]") if li.select("a[href^='http']")
        }
        cited = {a["href"].lstrip("#") for part in evidence for a in part.select("a.footnote-ref")}
        if not cited & linked:
            missing.append("a linked reference in the evidence section")
    facts = html.select_one(".facts")
    level = page.get_evidence_display()
    if not facts or level not in facts.text or EVIDENCE_EXPLAINED[page.evidence] not in facts.text:
        missing.append("the evidence level and what it means")
    elif not facts.select_one(f"a[href='/conditions/#{RATING_ANCHOR}']"):
        missing.append("a link to how we rate evidence")
    if section(r"^What is a typical course\?$") is None:
        missing.append("a section on a typical course")
    urgent = section(r"\burgent\b")
    if urgent is None or not any(part.select("a[href='#urgent-help']") for part in urgent):
        missing.append("a section on urgent help that links to it")
    if not html.select_one(".prose a[href='/contact/']"):
        missing.append("a link to the contact page")
    return missing


def test_every_condition_page_covers_what_a_patient_needs(client):
    pages = Page.objects.filter(kind=Kind.CONDITION)
    assert pages.count() >= 12
    gaps = {
        page.path: missing_parts(page, soup(client.get(page.get_absolute_url()))) for page in pages
    }
    assert {path: gap for path, gap in gaps.items() if gap} == {}


def test_how_we_rate_evidence_points_at_the_explanation(client):
    conditions = soup(client.get("/conditions/"))
    heading = conditions.find(id=RATING_ANCHOR)
    assert heading and heading.name == "h2"
    for level in ["Some evidence", "Limited evidence", "Very limited evidence"]:
        assert level in conditions.select_one(".prose").text


def published_copy(body):
    """A published condition page like the knee page, with the given body."""
    knee = Page.objects.get(path="conditions/knee-pain")
    return Page.objects.create(
        path="conditions/knee-copy",
        title="Knee copy",
        summary=knee.summary,
        kind=Kind.CONDITION,
        status="published",
        region=knee.region,
        evidence=knee.evidence,
        body=body,
    )


def check(client, page):
    return missing_parts(page, soup(client.get(page.get_absolute_url())))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("## What is knee pain?\n", "", "a first heading asking what the condition is"),
        ("## What is knee pain?", "## About knee pain", "a first heading asking what"),
        ("## How is PIT used for knee pain?\n", "", "a section on how PIT is used"),
        ("## What does the evidence say?\n", "", "a section on the evidence"),
        ("## What is a typical course?\n", "", "a section on a typical course"),
        ("## When should you get urgent medical help?\n", "", "a section on urgent help"),
        ("[urgent help](#urgent-help)", "urgent help", "a section on urgent help"),
        ("[contact us](/contact/)", "contact us", "a link to the contact page"),
    ],
)
def test_the_check_fails_when_a_part_is_missing(client, old, new, expected):
    knee = Page.objects.get(path="conditions/knee-pain")
    assert check(client, knee) == []
    assert old in knee.body
    missing = check(client, published_copy(knee.body.replace(old, new)))
    assert any(part.startswith(expected) for part in missing), missing


def test_the_check_fails_when_the_evidence_section_cites_nothing(client):
    body = Page.objects.get(path="conditions/knee-pain").body
    body = re.sub(r"\[@[^\]]+\]", "", body)  # every citation
    assert "a linked reference in the evidence section" in check(client, published_copy(body))

"""Every shipped page holds to the content guide; the checks themselves can fail."""

import re
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from pit_site.pages.content import AWAITING_REVIEW, parse_file
from pit_site.pages.models import Kind
from pit_site.pages.quality import content_problems
from pit_site.pages.readability import reading_grade
from pit_site.pages.rendering import render_markdown
from pit_site.references.bibliography import file_register

ROOT = settings.CONTENT_DIR
REGISTER = file_register(ROOT)
FILES = sorted(ROOT.rglob("*.md"), key=lambda f: str(f.relative_to(ROOT)))
SEEDCOPY = settings.BASE_DIR.parent / "shared" / "tools" / "seedcopy.py"
PAGES_WITH_CLAIMS = {
    "what-is-pit", "how-it-works", "your-treatment", "safety", "faqs", "evidence",
    "pit-vs-prolotherapy",
}  # fmt: skip


def parsed(file):
    values = parse_file(file, ROOT)
    return values, render_markdown(
        values["body"], faq=values["kind"] == Kind.FAQ, register=REGISTER
    )


@pytest.mark.parametrize("file", FILES, ids=lambda f: str(f.relative_to(ROOT)))
def test_page_follows_the_content_guide(file):
    values, html = parsed(file)
    assert content_problems(values["title"], values["summary"], values["body"], html) == []


@pytest.mark.parametrize("file", FILES, ids=lambda f: str(f.relative_to(ROOT)))
def test_pages_cite_the_register_and_pages_with_claims_end_with_linked_references(file):
    """References are register keys ([@key]), never a page's own footnotes; an unknown key
    would not render at all."""
    values, html = parsed(file)
    assert not re.search(r"\[\^[^\]]+\]", values["body"])
    if values["kind"] == Kind.CONDITION or values["path"] in PAGES_WITH_CLAIMS:
        assert BeautifulSoup(html, "html.parser").select(".footnote li a[href^='http']")


@pytest.mark.parametrize("file", FILES, ids=lambda f: str(f.relative_to(ROOT)))
def test_every_page_says_whether_a_clinician_has_reviewed_it(file):
    meta = frontmatter.loads(file.read_text(encoding="utf-8")).metadata
    reviewed = meta.get("last_reviewed") and meta.get("reviewer")
    assert reviewed or meta.get("review") == AWAITING_REVIEW


def test_internal_links_point_at_real_pages_and_anchors():
    pages = {}
    for file in FILES:
        values, html = parsed(file)
        pages["/" + values["path"] + ("/" if values["path"] else "")] = html
    broken = []
    for url, html in pages.items():
        for link in BeautifulSoup(html, "html.parser").select("a[href^='/'], a[href^='#']"):
            target, _, anchor = link["href"].partition("#")
            target = target or url
            missing_anchor = (
                anchor and anchor != "urgent-help" and f'id="{anchor}"' not in pages.get(target, "")
            )
            if target not in pages or missing_anchor:
                broken.append((url, link["href"]))
    assert broken == []


def test_reading_grades_are_low_for_most_pages_and_never_above_ten():
    grades = [reading_grade(parsed(file)[1]) for file in FILES]
    assert max(grades) <= 10
    assert sum(grade <= 8 for grade in grades) / len(grades) >= 0.8


@pytest.mark.skipif(not SEEDCOPY.exists(), reason="the seed pages are not beside this checkout")
def test_no_sentence_is_copied_from_the_seed_pages():
    result = subprocess.run(
        [sys.executable, str(SEEDCOPY), "content", "templates"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_no_clinic_details_are_hard_coded_in_templates():
    for template in Path(settings.BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        if template.name == "500.html":  # must render with no database: generic wording only
            continue
        assert "Example Pain Clinic" not in text and "example.com" not in text, template
        assert not re.search(r"\b(999|111|01632)\b", text), template


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("PIT can cure your pain.", "overclaiming word: 'cure'"),
        ("The injections are completely safe.", "overclaiming word: 'completely safe'"),
        ("It works for 85% of people.", "percentage without a source"),
        ("Call us on 01632 960 123.", "a phone number"),
        ("Email hello@clinic.example.", "an email address"),
        ("In an emergency call 999.", "an emergency number"),
        ("Visit us at EX1 2MP.", "a postcode"),
        ("We usually reply within two working days.", "a reply time"),
        ("We aim to get back to you within 48 hours.", "a reply time"),
        ("Expect an answer within 3 business days.", "a reply time"),
        ("# A second title", "'# ' heading"),
        (
            "Notwithstanding considerable heterogeneity, contemporaneous investigations "
            "demonstrated statistically indistinguishable musculoskeletal outcomes. " * 5,
            "reading grade",
        ),
    ],
)
def test_the_checks_catch_what_they_are_for(body, expected):
    problems = content_problems(
        "Title",
        "A summary that is long enough to be a real one for patients.",
        body,
        render_markdown(body),
    )
    assert any(expected in problem for problem in problems), problems


def test_the_checks_accept_honest_attributed_wording():
    body = (
        "One clinic reported that 90% of its patients were satisfied. "
        "PIT uses 5% dextrose. We cannot promise it will help you. "
        "Bruises usually fade within a few days. Cauda equina needs treatment within hours. "
        "We reply as soon as we can: the [contact page](/contact/) says how soon."
    )
    summary = "A summary that is long enough to be a real one for patients."
    assert content_problems("Title", summary, body, render_markdown(body)) == []

"""The clinical review's findings (issue 11) stay fixed in the shipped pages."""

import re

import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from pit_site.pages.content import parse_file
from pit_site.pages.models import Kind
from pit_site.pages.rendering import render_markdown
from pit_site.references.bibliography import file_register

ROOT = settings.CONTENT_DIR
REGISTER = file_register(ROOT)
PAGES = {
    values["path"]: values
    for values in (parse_file(file, ROOT) for file in sorted(ROOT.rglob("*.md")))
}
WHO_SHOULD_NOT = "/safety/#who-should-not-have-pit"


def html(path):
    values = PAGES[path]
    return BeautifulSoup(
        render_markdown(values["body"], faq=values["kind"] == Kind.FAQ, register=REGISTER),
        "html.parser",
    )


def h2_order(path):
    return [h.get_text(strip=True) for h in html(path).select("h2")]


def section_text(path, heading):
    """The text under the h2 ``heading`` (a regular expression), up to the next h2."""
    doc = html(path)
    start = next(h for h in doc.select("h2") if re.search(heading, h.get_text()))
    parts = []
    for sibling in start.find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(sibling.get_text(" "))
    return " ".join(parts)


def diabetes_statements(body):
    return [p for p in body.split("\n\n") if p.startswith("If you have diabetes,")]


def test_one_diabetes_statement_with_the_dextrose_amount_is_used_everywhere():
    found = {path: diabetes_statements(v["body"]) for path, v in PAGES.items()}
    found = {path: statements for path, statements in found.items() if statements}
    assert {"safety", "faqs"} <= set(found)
    statements = {s for each in found.values() for s in each}
    assert len(statements) == 1, statements
    statement = statements.pop()
    assert "{{ clinic.dextrose_per_session }}" in statement and "teaspoon" in statement
    # No other wording of the advice on checking blood sugar anywhere.
    for path, values in PAGES.items():
        rest = values["body"].replace(statement, "")
        assert not re.search(r"(check|test)\w* (your )?(blood )?sugar", rest, re.I), path


@pytest.mark.parametrize(
    "phrase",
    [
        "PIT helps some people",
        "What conditions can PIT help",
        "fact of anatomy",
        "a few hours to a few days",
        "relief tends to last longer",
        "keep checking as usual",
        "check it more often",
        "Who should take extra care",
    ],
)
def test_no_page_keeps_wording_the_review_removed(phrase):
    assert [path for path, v in PAGES.items() if phrase.lower() in v["body"].lower()] == []


def test_the_who_should_not_have_pit_list_is_in_one_place_and_linked():
    holders = [
        p for p in PAGES if re.search(r"^## Who should not have PIT\?", PAGES[p]["body"], re.M)
    ]
    assert holders == ["safety"]
    text = section_text("safety", r"^Who should not have PIT\?$").lower()
    for item in [
        "infected", "allergic to anything in the injection", "pregnant", "blood thinners",
        "bleeding disorder", "immune system", "diabetes that is not well controlled",
        "scared of needles", "faint", "see your gp first",
    ]:  # fmt: skip
        assert item in text, item
    for path in ["what-is-pit", "your-treatment", "faqs"]:
        assert html(path).select(f"a[href='{WHO_SHOULD_NOT}']"), path


def test_the_punctured_lung_risk_is_on_the_safety_page_and_the_aftercare_urgent_list():
    risks = section_text("safety", r"rare risks").lower()
    assert "pneumothorax" in risks and "short of breath" in risks and "chest pain" in risks
    for where in ["chest wall", "base of the neck", "upper back"]:
        assert where in risks
    assert "fall and hurt yourself" in risks  # fainting can injure
    urgent = section_text("your-treatment", r"urgent help").lower()
    assert "punctured lung" in urgent
    emergency = section_text("safety", r"ready for an emergency")
    assert "{{ clinic.emergency_equipment }}" in PAGES["safety"]["body"]
    assert "{{ clinic.emergency_training }}" in PAGES["safety"]["body"]
    assert "defibrillator" in emergency  # the demo details, rendered


@pytest.mark.parametrize(
    "path", ["conditions/plantar-fasciitis", "what-is-pit", "evidence", "conditions/hip-pain"]
)
def test_pages_describing_conaway_2020_say_where_its_injections_went(path):
    body = PAGES[path]["body"]
    assert re.search(r"\[@[^\]]*\bconaway2020\b", body)
    assert "thigh" in body and "back of the knee" in body


def test_yelland_2011_is_described_with_the_solution_it_used():
    citing = [p for p, v in PAGES.items() if re.search(r"\[@[^\]]*\byelland2011\b", v["body"])]
    assert citing
    for path in citing:
        assert "20% glucose" in PAGES[path]["body"] and "lignocaine" in PAGES[path]["body"], path


def test_low_back_pain_leads_with_the_recommended_care_and_states_the_nhs_advice():
    headings = h2_order("conditions/low-back-pain")
    usual = headings.index("What usually helps low back pain?")
    assert usual < headings.index("How is PIT used for low back pain?")
    text = section_text("conditions/low-back-pain", r"^What usually helps").lower()
    for phrase in [
        "exercise", "psychological therapy", "pain clinic", "prolotherapy",
        "trigger point injections with any agent",
        "any other spinal injections not specifically covered",
    ]:  # fmt: skip
        assert phrase in text, phrase


@pytest.mark.parametrize(
    "path", ["conditions/carpal-tunnel-syndrome", "conditions/headache-and-migraine"]
)
def test_conditions_without_studies_of_pit_start_with_what_usually_helps(path):
    headings = h2_order(path)
    usual = next(i for i, h in enumerate(headings) if h.startswith("What usually helps"))
    pit = next(i for i, h in enumerate(headings) if h.startswith("How is PIT used"))
    assert usual == 1 and usual < pit  # right after "What is …?"
    assert "GP" in section_text(path, r"^What usually helps")
    assert "very limited" in section_text(path, r"^How is PIT used")


def test_knee_shoulder_and_tennis_elbow_share_one_grade_for_one_kind_of_evidence():
    levels = {
        PAGES[f"conditions/{name}"]["evidence"]
        for name in ["knee-pain", "shoulder-pain", "tennis-elbow"]
    }
    assert levels == {"very-limited"}

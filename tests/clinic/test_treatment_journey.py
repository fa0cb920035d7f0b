"""The treatment journey on "Your treatment": an ordered list; sessions from clinic details."""

import pytest
from django.core.exceptions import ValidationError

from pit_site.clinic.models import DEMO_MARK, Clinic
from tests.conftest import soup

pytestmark = pytest.mark.django_db

STEPS = ["Contact us", "Assessment", "Sessions", "Review", "What next"]


def journey(client):
    return soup(client.get("/your-treatment/")).select_one(".prose figure.journey")


def steps(figure):
    return {
        item.select_one(".step-title").text: " ".join(item.text.split())
        for item in figure.select("ol.timeline > li")
    }


def test_the_journey_is_an_ordered_list_of_the_five_steps(client):
    figure = journey(client)
    assert figure.figcaption.text.strip() == "Your treatment, step by step"
    assert [item.select_one(".step-title").text for item in figure.select("ol > li")] == STEPS
    assert not figure.select("img, svg")  # words, not a picture of them
    choices = steps(figure)["What next"]
    assert "stop" in choices and "carry on" in choices and "try something else" in choices


def test_the_sessions_come_from_the_clinics_details_marked_as_demo_until_confirmed(client):
    shown = steps(journey(client))
    assert f"about a week apart {DEMO_MARK}" in shown["Sessions"]
    assert f"3 to 6 sessions {DEMO_MARK}" in shown["Sessions"]
    assert f"After 3 sessions {DEMO_MARK}" in shown["Review"]
    assert Clinic.load().phone in shown["Contact us"]

    clinic = Clinic.load()
    clinic.session_interval = "one to two weeks"
    clinic.sessions_low, clinic.sessions_high, clinic.review_after_sessions = 4, 6, 1
    clinic.safety_details_confirmed = clinic.fees_confirmed = True  # the count is set with the fees
    clinic.save()
    shown = steps(journey(client))  # the cached page was emptied by the save
    assert "Sessions are usually one to two weeks apart." in shown["Sessions"]
    assert "A course is often 4 to 6 sessions, but" in shown["Sessions"]
    assert "After 1 session, we look together" in shown["Review"]
    assert DEMO_MARK not in " ".join(shown.values())

    clinic.sessions_low = clinic.sessions_high = 1
    clinic.save()
    assert "A course is often 1 session, but" in steps(journey(client))["Sessions"]


def test_empty_session_details_give_honest_general_wording(client):
    clinic = Clinic.load()
    clinic.session_interval = ""
    clinic.sessions_low = clinic.sessions_high = clinic.review_after_sessions = None
    clinic.save()
    shown = steps(journey(client))
    assert "We agree with you how often to have them." in shown["Sessions"]
    assert "varies from person to person" in shown["Sessions"]
    assert "None" not in " ".join(shown.values())


def test_hostile_session_wording_is_shown_as_text(client):
    clinic = Clinic.load()
    clinic.session_interval = "<script>alert(1)</script> ' OR 1=1 -- \u202e"
    clinic.save()
    html = client.get("/your-treatment/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sessions_low": 9, "sessions_high": 3}, "sessions_high", "at least the first"),
        ({"sessions_low": None}, "sessions_high", "Give both ends"),
        ({"sessions_high": 31}, "sessions_high", "less than or equal to 30"),
        ({"review_after_sessions": 0}, "review_after_sessions", "greater than or equal to 1"),
        ({"session_interval": "a week\nTo: x@example.org"}, "session_interval", "line break"),
        ({"session_interval": "w" * 61}, "session_interval", "at most 60"),
    ],
)
def test_bad_session_details_are_refused_with_a_message(changes, field, message):
    clinic = Clinic.load()
    for name, value in changes.items():
        setattr(clinic, name, value)
    with pytest.raises(ValidationError) as refused:
        clinic.full_clean()
    assert message in " ".join(refused.value.message_dict[field])

"""The fees page's table and whole-course example come from the clinic's fee details; the
complaints page from its complaints details."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pit_site.clinic.models import FEES_NOTE, Clinic
from pit_site.pages.rendering import render_markdown
from tests.clinic.admin_form import clinic_form_data
from tests.conftest import soup

FEES = "{{ clinic.fee_table }}\n\n{{ clinic.course_cost }}"


def test_the_shipped_fees_give_a_worked_example_marked_as_an_example():
    html = render_markdown(FEES)
    assert "<td>£150</td>" in html and "<td>£90</td>" in html and "<td>£75</td>" in html
    assert "Our usual course is 3 to 6 sessions in all" in html
    assert "£150 for the first appointment, plus 2 follow-ups at £90, comes to <strong>£330" in html
    assert "plus 5 follow-ups at £90, comes to <strong>£600</strong>" in html
    assert html.count(FEES_NOTE.strip("*")) == 2


def test_the_example_follows_the_clinics_own_fees():
    clinic = Clinic(
        fee_first_appointment=Decimal("1200.50"), fee_follow_up=Decimal("85"),
        fee_assessment_only=None, sessions_low=2, sessions_high=2, fees_confirmed=True,
    )  # fmt: skip
    html = render_markdown(FEES, clinic=clinic)
    assert "<td>£1,200.50</td>" in html and "if we do not treat you" not in html
    assert "Our usual course is 2 sessions in all" in html
    assert "plus 1 follow-up at £85, comes to <strong>£1,285.50</strong>" in html
    assert "Example fees" not in html
    clinic.sessions_low = clinic.sessions_high = 1
    assert "the first appointment only, £1,200.50" in render_markdown(FEES, clinic=clinic)
    clinic.sessions_low = clinic.sessions_high = None
    assert "Please ask us what a whole course is likely to cost you." in render_markdown(
        FEES, clinic=clinic
    )
    clinic.fee_first_appointment = clinic.fee_follow_up = None
    assert "Please ask us about our fees." in render_markdown(FEES, clinic=clinic)


@pytest.mark.django_db
def test_the_course_length_must_make_sense():
    clinic = Clinic.load()
    clinic.sessions_low, clinic.sessions_high = 6, 3
    with pytest.raises(ValidationError, match="at least the first figure"):
        clinic.full_clean()
    clinic.sessions_high = None
    with pytest.raises(ValidationError, match="Give both ends"):
        clinic.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fee_follow_up", "abc", "Enter a number"),
        ("fee_follow_up", "-5", "greater than or equal to 0"),
        ("fee_follow_up", "1e9", "no more than 7 digits|less than or equal to 10000"),
        ("fee_follow_up", "90; DROP TABLE clinic_clinic", "Enter a number"),
        ("fee_first_appointment", "<script>alert(1)</script>", "Enter a number"),
        ("sessions_high", "31", "less than or equal to 30"),
        ("sessions_low", "０", "greater than or equal to 1|Enter a whole number"),
        ("follow_up_minutes", "2", "greater than or equal to 5"),
    ],
)
def test_bad_fee_details_get_a_clear_message(admin_client, field, value, message):
    response = admin_client.post("/admin/clinic/clinic/1/change/", clinic_form_data() | {
        field: value})  # fmt: skip
    assert response.status_code == 200
    errors = soup(response).select(f".field-{field} .errorlist")
    assert errors and re.search(message, errors[0].get_text()), errors
    assert Clinic.load().fee_follow_up == Decimal("90")


@pytest.mark.django_db
def test_patients_see_the_clinics_fees_once_saved(admin_client, client):
    data = clinic_form_data() | {
        "fee_first_appointment": "160", "fee_follow_up": "95", "sessions_low": "4",
        "sessions_high": "8", "fees_confirmed": "on",
    }  # fmt: skip
    assert admin_client.post("/admin/clinic/clinic/1/change/", data).status_code == 302
    text = soup(client.get("/fees/")).select_one(".prose").get_text()
    assert "£160 for the first appointment, plus 3 follow-ups at £95, comes to £445" in text
    assert "plus 7 follow-ups at £95, comes to £825" in text
    assert "Example fees" not in text
    assert "pre-authorisation" in text and "excess" in text  # what to ask a UK insurer


@pytest.mark.django_db
@pytest.mark.parametrize("member", [True, False])
def test_the_complaints_page_says_who_how_long_and_where_next(admin_client, client, member):
    data = clinic_form_data() | {
        "complaints_handler": "our practice manager, Sam Patel",
        "complaints_acknowledge_days": "2", "complaints_reply_days": "15",
    }  # fmt: skip
    if member:
        data["iscas_member"] = "on"
    assert admin_client.post("/admin/clinic/clinic/1/change/", data).status_code == 302
    text = soup(client.get("/complaints/")).select_one(".prose").get_text()
    assert "Our practice manager, Sam Patel looks into it." in text
    assert "within 2 working days" in text and "within 15 working days" in text
    assert ("ask the Independent Sector Complaints Adjudication Service" in text) is member
    for regulator in ("GMC", "HCPC", "NMC", "GPhC", "Care Quality Commission"):
        assert regulator in text
    assert "interpreter" in text

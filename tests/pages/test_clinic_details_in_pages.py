"""Clinic details inside page text ({{ clinic.… }}): filled from the clinic's record, marked
as demo values until a clinician confirms them, kept current when the record changes."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from pit_site.clinic.models import DEMO_MARK, DEMO_NOTE, Clinic
from pit_site.pages.models import Page
from pit_site.pages.rendering import RenderError, render_markdown
from tests.clinic.admin_form import UNCHANGED_TEAM
from tests.conftest import sign_in, soup
from tests.pages.test_page_admin import form_data

DEXTROSE = "A session holds {{ clinic.dextrose_per_session }} of sugar."
EQUIPMENT = "We keep:\n\n{{ clinic.emergency_equipment }}\n\nAsk us."


def test_the_shipped_demo_values_are_marked_as_demo_values():
    html = render_markdown(DEXTROSE)
    assert f"0.5 to 1 gram {DEMO_MARK} of sugar" in html
    html = render_markdown(EQUIPMENT)
    assert "<li>A defibrillator (a machine that can restart the heart)</li>" in html
    assert "Demo details" in html and DEMO_NOTE.strip("*") in html


def test_confirmed_details_are_shown_plainly():
    clinic = Clinic(
        dextrose_grams_low=Decimal("1.0"),
        dextrose_grams_high=Decimal("2.5"),
        emergency_equipment="A defibrillator\n\n  Oxygen  ",
        safety_details_confirmed=True,
    )
    assert "1 to 2.5 grams of sugar" in render_markdown(DEXTROSE, clinic=clinic)
    html = render_markdown(EQUIPMENT, clinic=clinic)
    assert "<ul>\n<li>A defibrillator</li>\n<li>Oxygen</li>\n</ul>" in html
    assert "Demo" not in html
    clinic.dextrose_grams_low = clinic.dextrose_grams_high = None
    clinic.emergency_equipment = ""
    assert "a small amount (ask us for the figure)" in render_markdown(DEXTROSE, clinic=clinic)
    assert "Please ask us about this." in render_markdown(EQUIPMENT, clinic=clinic)


def test_clinic_text_is_sanitised_like_the_rest_of_the_page():
    clinic = Clinic(emergency_equipment="<script>alert(1)</script>\n[x](javascript:alert(1))")
    html = render_markdown(EQUIPMENT, clinic=clinic)
    assert "<script" not in html and "javascript:" not in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ clinic.sugar }}", "There is no clinic detail called {{ clinic.sugar }}"),
        ("We keep {{ clinic.emergency_equipment }}.", "on a line of its own"),
    ],
)
def test_a_wrong_clinic_detail_is_refused_with_a_clear_message(text, message):
    with pytest.raises(RenderError, match=message.replace("{", r"\{").replace("}", r"\}")):
        render_markdown(text)


def test_text_that_only_looks_similar_is_left_alone():
    assert "{{ not a detail }}" in render_markdown("{{ not a detail }}")


@pytest.mark.django_db
def test_an_unknown_detail_is_named_in_load_content_the_admin_and_the_preview(
    tmp_path, editor_client
):
    (tmp_path / "page.md").write_text(
        "---\ntitle: Page\nsummary: A page used by the tests, with a summary long enough.\n"
        "---\n\nHas {{ clinic.sugar }} in it.\n"
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("load_content", "--dir", str(tmp_path), stdout=out, stderr=out)
    assert "page.md" in out.getvalue() and "{{ clinic.sugar }}" in out.getvalue()

    safety = Page.objects.get(path="safety")
    url = f"/admin/pages/page/{safety.pk}/change/"
    response = editor_client.post(url, form_data(safety, body="{{ clinic.sugar }}"))
    assert response.status_code == 200
    assert "{{ clinic.sugar }}" in str(response.context["adminform"].form.errors)

    preview = editor_client.post("/editor/preview/", {"content": "{{ clinic.sugar }}"})
    assert preview.status_code == 400 and b"{{ clinic.sugar }}" in preview.content


@pytest.mark.django_db
def test_the_preview_shows_the_clinics_own_details(editor_client):
    clinic = Clinic.load()
    clinic.emergency_equipment = "A wheelchair"
    clinic.save()
    preview = editor_client.post("/editor/preview/", {"content": EQUIPMENT})
    assert b"<li>A wheelchair</li>" in preview.content


@pytest.mark.django_db
def test_saving_the_clinic_details_updates_the_pages_patients_see(client):
    before = soup(client.get("/safety/")).select_one(".prose").text
    assert "A defibrillator" in before and "Demo details" in before
    assert DEMO_MARK in soup(client.get("/faqs/")).select_one(".prose").text

    boss = User.objects.create_superuser("boss", "boss@clinic.example", "a-long-test-password-1")
    sign_in(client, boss)
    clinic = Clinic.load()
    data = {
        name: getattr(clinic, name)
        for name in ["name", "phone", "email", "address", "opening_hours", "reply_time",
                     "notification_emails", "emergency_number", "urgent_advice"]
    }  # fmt: skip
    data |= {
        "dextrose_grams_low": "0.3",
        "dextrose_grams_high": "0.8",
        "emergency_equipment": "An automated defibrillator\nAdrenaline",
        "emergency_training": "Immediate life support, renewed yearly",
        "safety_details_confirmed": "on",
    }
    response = client.post(f"/admin/clinic/clinic/{clinic.pk}/change/", data | UNCHANGED_TEAM)
    assert response.status_code == 302
    client.logout()

    after = soup(client.get("/safety/")).select_one(".prose").text
    assert "An automated defibrillator" in after and "Immediate life support" in after
    assert "Demo details" not in after and DEMO_MARK not in after
    assert "0.3 to 0.8 gram of sugar" in after
    faqs = soup(client.get("/faqs/")).select_one(".prose").text
    assert "0.3 to 0.8 gram of sugar" in faqs and DEMO_MARK not in faqs


@pytest.mark.django_db
def test_the_dextrose_range_must_make_sense():
    clinic = Clinic.load()
    clinic.dextrose_grams_low, clinic.dextrose_grams_high = Decimal("2"), Decimal("1")
    with pytest.raises(ValidationError, match="at least the first figure"):
        clinic.full_clean()
    clinic.dextrose_grams_high = None
    with pytest.raises(ValidationError, match="Give both ends"):
        clinic.full_clean()


def test_governance_details_are_built_from_the_clinics_record():
    about = (
        "{{ clinic.regulator }}\n\n{{ clinic.insurance }}\n\n{{ clinic.complaints }}\n\n"
        "{{ clinic.chaperones }}\n\n{{ clinic.language_support }}"
    )
    demo = render_markdown(about)
    assert "Care Quality Commission" in demo and 'href="https://www.cqc.org.uk/"' in demo
    assert demo.count("Demo details") == 5
    assert "within 3 working days" in demo and "within 20 working days" in demo
    assert "cannot review your complaint" in demo  # not an ISCAS member by default

    clinic = Clinic(
        regulator="Registered with Healthcare Inspectorate Wales.",
        regulator_url="",
        complaints_handler="our practice manager, Sam Patel",
        complaints_acknowledge_days=2,
        complaints_reply_days=15,
        iscas_member=True,
        chaperones="",
        governance_details_confirmed=True,
    )
    html = render_markdown(about, clinic=clinic)
    assert "Healthcare Inspectorate Wales" in html and "regulator's website" not in html
    assert "Our practice manager, Sam Patel looks into it." in html
    assert "within 2 working days" in html and "within 15 working days" in html
    assert "ask the Independent Sector Complaints Adjudication Service (ISCAS)" in html
    assert "Please ask us about this." in html  # no chaperone text given
    assert "Demo" not in html


@pytest.mark.django_db
def test_the_about_page_shows_registration_chaperones_and_interpreters(client):
    text = soup(client.get("/about/")).select_one(".prose").text
    for expected in ["Care Quality Commission", "insurance", "chaperone", "interpreter",
                     "Demo details"]:  # fmt: skip
        assert expected in text, expected
    links = [a["href"] for a in soup(client.get("/about/")).select(".prose a")]
    assert "/complaints/" in links and "/team/" in links

"""The team page: clinicians edited inline on the clinic's details, shown to patients with their
registration, a link to check it, and who assesses, prescribes and injects."""

import re
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pit_site import pagecache
from pit_site.clinic.models import DEMO_NOTE, EXAMPLE, REGISTERS, Clinic, Clinician, Regulator
from pit_site.pages.rendering import render_markdown
from tests.clinic.admin_form import clinic_form_data
from tests.conftest import soup

pytestmark = pytest.mark.django_db
CHANGE_URL = "/admin/clinic/clinic/1/change/"


def person(**values):
    defaults = {
        "name": "Dr Priya Shah", "role": "Pain doctor", "regulator": Regulator.GMC,
        "registration_number": "7012345", "duties": "Sees you first.", "assesses": True,
    }  # fmt: skip
    return Clinician(**(defaults | values))


def prose(client, path):
    return soup(client.get(path)).select_one(".prose")


def test_the_shipped_team_is_marked_as_examples_with_registers_to_check(client):
    page = prose(client, "/team/")
    text = page.get_text()
    names = [h.get_text() for h in page.select("h3")]
    assert len(names) == 3 and all(EXAMPLE in name for name in names)
    assert DEMO_NOTE.strip("*") in text
    assert "Who prescribes the dextrose: Dr Alex Example" in text
    assert "prescription-only medicine" in text and "off-label" in text
    for regulator in ("GMC", "HCPC", "NMC"):
        url = REGISTERS[regulator][0]
        assert page.select(f'a[href="{url}"]'), regulator
        assert f"Check the {regulator} register" in text
    assert "0000000" in text and "PH000000" in text


def test_who_assesses_prescribes_and_injects_comes_from_the_team():
    clinic = Clinic(governance_details_confirmed=True)
    team = [
        person(prescribes=True, injects=True),
        person(name="Sam Lee", role="Physiotherapist", regulator=Regulator.HCPC,
               registration_number="PH123456", injects=True),
    ]  # fmt: skip
    clinic.team = lambda: team
    html = render_markdown("{{ clinic.team_roles }}\n\n{{ clinic.team }}", clinic=clinic)
    assert "Who assesses you:</strong> Dr Priya Shah and Sam Lee." in html
    assert "Who prescribes the dextrose:</strong> Dr Priya Shah." in html
    assert "Who gives the injections:</strong> Dr Priya Shah and Sam Lee." in html
    assert "At our clinic: assesses patients, prescribes the dextrose and gives injections." in html
    assert "Demo" not in html
    team[0].prescribes = False
    html = render_markdown("{{ clinic.team_roles }}", clinic=clinic)
    assert "Who prescribes the dextrose:</strong> please ask us." in html
    clinic.team = list
    assert "Please ask us who will treat you." in render_markdown(
        "{{ clinic.team }}", clinic=clinic
    )


@pytest.mark.parametrize(
    ("regulator", "typed", "stored"),
    [
        (Regulator.GMC, "7012345", "7012345"),
        (Regulator.GMC, " 701 2345 ", "7012345"),
        (Regulator.HCPC, "ph123456", "PH123456"),
        (Regulator.HCPC, "PYL-12345", "PYL12345"),
        (Regulator.NMC, "12a3456e", "12A3456E"),
        (Regulator.GPHC, "2012345", "2012345"),
    ],
)
def test_registration_numbers_are_tidied_to_the_registers_form(regulator, typed, stored):
    clinician = person(clinic=Clinic.load(), regulator=regulator, registration_number=typed)
    clinician.full_clean()
    assert clinician.registration_number == stored


@pytest.mark.parametrize(
    ("regulator", "typed"),
    [
        (Regulator.GMC, "701234"),
        (Regulator.GMC, "PH123456"),
        (Regulator.HCPC, "1234567"),
        (Regulator.NMC, "1234567"),
        (Regulator.GPHC, "20123456"),
        (Regulator.GMC, "1' OR '1'='1"),
        (Regulator.GMC, "７０１２３４５"),  # full-width digits
    ],
)
def test_a_number_in_the_wrong_form_for_its_register_is_refused(regulator, typed):
    clinician = person(clinic=Clinic.load(), regulator=regulator, registration_number=typed)
    with pytest.raises(ValidationError, match="Check this number"):
        clinician.full_clean()


def test_staff_add_change_and_remove_clinicians_inline_and_patients_see_it(admin_client, client):
    clinic = Clinic.load()
    team = list(clinic.clinicians.all())
    team[0].name = "Dr Priya Shah"
    team.append(person(name="Ana Costa", role="Pharmacist", regulator=Regulator.GPHC,
                       registration_number="2012345", order=9, prescribes=True))  # fmt: skip
    data = clinic_form_data(clinic, team) | {"clinicians-1-DELETE": "on"}
    version = pagecache.content_version()
    response = admin_client.post(CHANGE_URL, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert pagecache.content_version() > version  # cached public pages are dropped

    page = prose(client, "/team/")
    names = [h.get_text() for h in page.select("h3")]
    assert names == ["Dr Priya Shah", f"Jo Example {EXAMPLE}", "Ana Costa"]
    assert "Registered with the General Pharmaceutical Council (GPhC), number 2012345" in (
        page.get_text()
    )
    assert page.select(f'a[href="{REGISTERS[Regulator.GPHC][0]}"]')
    assert "Dr Alex Example and Ana Costa" not in page.get_text()  # the old name is gone
    assert "Who prescribes the dextrose: Dr Priya Shah and Ana Costa." in page.get_text()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 121, "at most 120 characters"),
        ("name", "", "This field is required"),
        ("name", "Dr Shah\nBcc: x@example.com", "line break"),
        ("role", "Doctor\x00", "Null characters are not allowed"),
        ("registration_number", "<script>x</script>", "Check this number"),
        ("registration_number", "1" * 21, "at most 20 characters"),
        ("regulator", "CQC", "Select a valid choice"),
        ("duties", "y" * 601, "at most 600 characters"),
        ("order", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_clinician_details_get_a_clear_message_not_a_500(admin_client, field, value, message):
    data = clinic_form_data() | {f"clinicians-0-{field}": value}
    response = admin_client.post(CHANGE_URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Clinic.load().clinicians.filter(name__startswith="Dr Alex Example").exists()


def test_hostile_names_show_as_typed_never_as_markup(admin_client, client):
    team = list(Clinic.load().clinicians.all())
    team[0].name = "<script>alert(1)</script> *Sam* [x](javascript:alert(1)) <img src=x onerror=1>"
    team[1].role = "Physio ‮evil‬ 👩‍⚕️ Zoë"
    team[2].duties = "# Not a heading\n\n{{ clinic.name }} | a | b |"
    response = admin_client.post(CHANGE_URL, clinic_form_data(team=team))
    assert response.status_code == 302
    body = client.get("/team/").content.decode()
    page = prose(client, "/team/")
    assert "<script>alert" not in body
    assert not page.select("script, [onerror], a[href^=javascript], h3 em, h1 ~ h1")
    assert page.select("h3")[0].get_text() == team[0].name
    assert "Physio ‮evil‬ 👩‍⚕️ Zoë" in page.get_text()
    assert "# Not a heading" in page.get_text() and "{{ clinic.name }}" in page.get_text()


def png(size=(40, 30), image_format="PNG"):
    out = BytesIO()
    Image.new("RGB", size, "teal").save(out, image_format)
    return out.getvalue()


def test_a_photo_is_checked_cleaned_and_shown_with_its_description(
    admin_client, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = clinic_form_data()
    data["clinicians-0-photo"] = SimpleUploadedFile("me.png", png(), "image/png")
    response = admin_client.post(CHANGE_URL, data)
    assert response.status_code == 200
    assert "Describe the photo for people who cannot see it." in response.content.decode()

    data = clinic_form_data() | {"clinicians-0-photo_alt": "Alex, smiling, in a blue top"}
    data["clinicians-0-photo"] = SimpleUploadedFile("me.png", png(), "image/png")
    assert admin_client.post(CHANGE_URL, data).status_code == 302
    image = prose(client, "/team/").select_one("img")
    assert image["alt"] == "Alex, smiling, in a blue top"
    assert (image["width"], image["height"]) == ("40", "30")
    assert image["src"].startswith("/media/team/") and image["src"].endswith(".png")
    assert "me.png" not in image["src"]  # stored under a name the server chose

    data = clinic_form_data()
    data["clinicians-0-photo"] = SimpleUploadedFile("big.jpg", png((960, 1200), "JPEG"))
    assert admin_client.post(CHANGE_URL, data).status_code == 302
    image = prose(client, "/team/").select_one("img")
    assert (image["width"], image["height"]) == ("240", "300")  # shown small, same shape


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<script>alert(1)</script>", "not an image or a corrupted image"),
        (png(image_format="GIF"), "JPEG, PNG or WebP"),
        (png()[:60], "damaged or incomplete|not an image or a corrupted image"),
    ],
)
def test_a_file_that_is_not_a_usable_photo_is_refused(admin_client, settings, tmp_path, content,
                                                      message):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    data = clinic_form_data() | {"clinicians-0-photo_alt": "A photo"}
    data["clinicians-0-photo"] = SimpleUploadedFile("me.png", content, "image/png")
    response = admin_client.post(CHANGE_URL, data)
    assert response.status_code == 200
    errors = soup(response).select(".field-photo .errorlist")
    assert errors and re.search(message, errors[0].get_text())
    assert not Clinic.load().clinicians.exclude(photo="").exists()


def test_the_regulator_and_insurance_are_on_the_team_and_about_pages(client):
    for path in ("/team/", "/about/"):
        text = prose(client, path).get_text()
        assert "Care Quality Commission" in text and "insurance" in text, path


def test_the_team_pages_register_list_links_each_register():
    from django.conf import settings

    text = (settings.CONTENT_DIR / "team.md").read_text()
    for url, _pattern, _form in REGISTERS.values():
        assert f"]({url})" in text

"""The contact form as a patient meets it: stored first, clear errors, never a 500."""

import re

import pytest

from pit_site.enquiries.models import Enquiry, Status
from tests.conftest import soup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_form(settings):
    settings.ENQUIRY_MIN_SECONDS = 0
    settings.ENQUIRY_RATE_LIMIT = "off"


def shown_token(client):
    return soup(client.get("/contact/")).find("input", attrs={"name": "shown"})["value"]


def valid(client, **changes):
    data = {
        "name": "Alex Morgan", "email": "alex@example.org", "phone": "01632 960 555",
        "preferred_contact": "either", "kind": "assessment", "condition": "Knee pain",
        "preferred_times": "Weekday mornings", "message": "My knee hurts on the stairs.",
        "consent": "on", "website": "", "shown": shown_token(client),
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_shows_its_fields_the_emergency_note_and_the_privacy_link(client):
    html = soup(client.get("/contact/"))
    form = html.select_one("form[action='/contact/']")
    for name in ["name", "email", "phone", "preferred_contact", "kind", "condition",
                 "preferred_times", "message", "consent"]:  # fmt: skip
        assert form.select(f"[name={name}]"), name
    assert not form.select_one("[name=consent]").has_attr("checked")
    assert "not for emergencies" in html.select_one(".warning").text
    assert html.select_one(".field-checkbox a[href='/privacy/']")
    assert "detailed medical history" in html.select_one("#id_message_helptext").text
    assert not html.select("[maxlength]")  # long input gets a message, never silent truncation
    options = [o.text for o in html.select("#id_condition option")]
    assert "Knee pain" in options and "Something else, or not sure" in options
    assert html.select_one(".contact-details a[href^='tel:']")


def test_happy_path_stores_first_then_redirects_to_a_reference(client, mailoutbox):
    response = client.post("/contact/", valid(client))
    assert response.status_code == 302 and response["Location"].startswith("/contact/sent/?ref=")
    enquiry = Enquiry.objects.get()
    assert re.fullmatch(r"PIT-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}", enquiry.reference)
    assert (enquiry.name, enquiry.phone, enquiry.status) == ("Alex Morgan", "+441632960555", "new")
    assert enquiry.consent_at and re.fullmatch(
        r"\d{4}-\d\d-\d\d-[0-9a-f]{8}", enquiry.privacy_version
    )
    assert not enquiry.suspected_spam

    page = client.get(response["Location"])
    assert enquiry.reference in soup(page).select_one(".reference").text
    assert "within two working days" in page.content.decode()


def test_emails_carry_the_reference_and_never_health_details(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/contact/", valid(client))
    enquiry = Enquiry.objects.get()
    staff, ack = mailoutbox
    assert staff.to == ["reception@example.com"]
    assert enquiry.reference in staff.subject and "Book an assessment" in staff.subject
    assert f"/admin/enquiries/enquiry/{enquiry.pk}/change/" in staff.body
    assert ack.to == ["alex@example.org"] and enquiry.reference in ack.body
    for email in (staff, ack):
        text = email.subject + email.body
        for private in ["Alex", "Morgan", "knee", "Knee", "stairs", "01632 960 555",
                        "Weekday mornings"]:  # fmt: skip
            assert private not in text, private
    assert "alex@example.org" not in staff.body
    enquiry.refresh_from_db()
    assert (
        enquiry.staff_notified_at and enquiry.acknowledged_at and not enquiry.notification_pending
    )


def test_no_acknowledgement_without_an_email_address(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/contact/", valid(client, email="", preferred_contact="phone"))
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["reception@example.com"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your name."),
        ({"email": "", "phone": ""}, "email", "Give an email address or a phone number"),
        ({"email": "not-an-email"}, "email", "Enter an email address like"),
        ({"phone": "12"}, "phone", "Enter a phone number we can call"),
        ({"phone": "", "preferred_contact": "phone"}, "phone", "as you would like us to call"),
        ({"email": "", "preferred_contact": "email"}, "email", "as you would like us to email"),
        ({"kind": None}, "kind", "Choose what your enquiry is about."),
        ({"kind": "vip"}, "kind", "Select a valid choice"),
        ({"condition": "Brain transplant"}, "condition", "Select a valid choice"),
        ({"consent": None}, "consent", "Tick the box"),
        ({"message": "x" * 2001}, "message", "Shorten it to 2,000"),
        ({"preferred_times": "x" * 201}, "preferred_times", "200 characters"),
        ({"name": "x" * 101}, "name", "up to 100 characters"),
    ],
)
def test_errors_are_summarised_linked_and_values_kept(client, changes, field, message):
    response = client.post("/contact/", valid(client, **changes))
    assert response.status_code == 200
    html = soup(response)
    assert html.title.text.startswith("Error: ")
    summary = html.select_one(".error-summary[role=alert]")
    links = {a["href"]: a.text for a in summary.select("a")}
    target = f"#id_{field}" if field not in ("kind",) else "#id_kind_0"
    assert message in links[target]
    error = html.select_one(f"#id_{field}_error")
    assert message in error.text and error.text.strip().startswith("Error:")
    widget = html.select_one(f"[name={field}]:not([type=radio])")
    if widget is not None:
        assert widget.get("aria-invalid") == "true"
        assert f"id_{field}_error" in widget["aria-describedby"]
    if field != "name":
        assert html.select_one("#id_name")["value"] == "Alex Morgan"  # values kept
    assert not Enquiry.objects.exists()


HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE enquiries_enquiry; --",
    "Robert'); DELETE FROM auth_user; --",
    "\u202egnp.exe",
    "{{ settings.SECRET_KEY }} {% debug %}",
    "😀 Ṫëśŧ ﷽",
    "a\u0000b",
    "x" * 100_000,
]


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
@pytest.mark.parametrize(
    "field", ["name", "email", "phone", "preferred_contact", "kind", "condition",
              "preferred_times", "message", "shown"],
)  # fmt: skip
def test_hostile_input_is_refused_or_stored_escaped_never_a_500(client, field, value):
    response = client.post("/contact/", valid(client, **{field: value}))
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        html = response.content.decode()
        assert "<script>alert('x')</script>" not in html
        assert soup(response).select_one(".error-summary")
        assert "SECRET_KEY" not in html or "{{ settings.SECRET_KEY }}" in html
    else:
        enquiry = Enquiry.objects.get()
        stored = getattr(enquiry, field, None)
        if field in ("name", "preferred_times", "message"):
            assert stored == " ".join(value.split()) if field == "name" else stored == value.strip()


def test_lone_surrogates_and_bad_bytes_do_not_break_the_form(client):
    token = shown_token(client)
    body = f"name=%ED%A0%80&email=a%40example.org&kind=question&consent=on&shown={token}"
    response = client.post("/contact/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302)


def test_honeypot_bot_is_sent_away_and_nothing_is_stored(client, mailoutbox):
    response = client.post("/contact/", valid(client, website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == "/contact/sent/"
    assert not Enquiry.objects.exists() and not mailoutbox
    assert "Your reference" not in client.get("/contact/sent/").content.decode()


def test_too_fast_or_forged_timing_is_stored_and_flagged(client, settings):
    settings.ENQUIRY_MIN_SECONDS = 3
    assert client.post("/contact/", valid(client)).status_code == 302
    settings.ENQUIRY_MIN_SECONDS = 0
    assert client.post("/contact/", valid(client, shown="forged")).status_code == 302
    fast, forged = Enquiry.objects.order_by("created_at")
    assert fast.suspected_spam.startswith("Sent 0.")
    assert forged.suspected_spam == "The form's timing token was missing or altered."
    assert fast.status == forged.status == Status.NEW  # kept for a person to judge


def test_rate_limit_per_address_in_the_shared_cache(client, settings):
    settings.ENQUIRY_RATE_LIMIT = "2/h"
    for _ in range(2):
        assert client.post("/contact/", valid(client)).status_code == 302
    refused = client.post("/contact/", valid(client))
    assert refused.status_code == 429
    assert "several messages in a short time" in soup(refused).select_one(".error-summary").text
    assert soup(refused).select_one("#id_name")["value"] == "Alex Morgan"
    other = client.post("/contact/", valid(client), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302
    assert Enquiry.objects.count() == 3


def test_the_sent_page_ignores_a_tampered_reference(client):
    response = client.get("/contact/sent/?ref=PIT-AAAAA")
    assert response.status_code == 200 and "PIT-AAAAA" not in response.content.decode()


def test_privacy_notice_says_what_is_kept_and_for_how_long(client):
    text = " ".join(soup(client.get("/privacy/")).select_one(".prose").text.split())
    assert "12 months" in text
    for item in ["name", "email", "phone", "message", "consent"]:
        assert item in text.lower(), item

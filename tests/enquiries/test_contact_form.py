"""The contact form as a patient meets it: stored first, clear errors, never a 500."""

import re
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.views.debug import SafeExceptionReporterFilter

from pit_site.enquiries import views
from pit_site.enquiries.models import Enquiry, RefusedEnquiries, Status
from pit_site.enquiries.views import rate_limit_reason
from tests.conftest import make_staff, sign_in, soup

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


def test_the_empty_form_is_rendered_once_and_follows_page_changes(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pit_site.pages.models import Kind, Page, Status

    def fields(response):
        form = soup(response).select_one("form[action='/contact/']")
        for hidden in form.select("input[type=hidden]"):  # csrf and timing: new every time
            hidden.decompose()
        return str(form)

    with CaptureQueriesContext(connection) as first:
        first_fields = fields(client.get("/contact/"))
    with CaptureQueriesContext(connection) as second:
        second_fields = fields(client.get("/contact/"))
    assert second_fields == first_fields
    assert len(second) < len(first)  # the page was rendered once, then filled in
    assert shown_token(client) != shown_token(client)

    page = Page.objects.create(
        path="conditions/wrist-ganglion", title="Wrist ganglion", summary="S", body="Text.",
        kind=Kind.CONDITION, region="wrist-and-hand", evidence="very-limited",
        status=Status.PUBLISHED,
    )  # fmt: skip
    options = [o.text for o in soup(client.get("/contact/")).select("#id_condition option")]
    assert "Wrist ganglion" in options
    page.status = Status.DRAFT
    page.save()
    options = [o.text for o in soup(client.get("/contact/")).select("#id_condition option")]
    assert "Wrist ganglion" not in options


def test_each_visitor_gets_a_working_csrf_token_and_a_fresh_timing_token(settings):
    """The page is rendered once; the two per-visitor values are filled in per request."""
    from django.test import Client

    settings.ENQUIRY_MIN_SECONDS = 3
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = [visitor.get("/contact/") for visitor in visitors]
    tokens = [
        soup(page).find("input", attrs={"name": "csrfmiddlewaretoken"})["value"] for page in pages
    ]
    assert tokens[0] != tokens[1]
    for page in pages:
        assert views.CSRF_SLOT not in page.content.decode()
        assert views.SHOWN_SLOT not in page.content.decode()
    refused = visitors[0].post("/contact/", {**valid(visitors[0]), "csrfmiddlewaretoken": "x"})
    assert refused.status_code == 403
    data = {**valid(visitors[1]), "csrfmiddlewaretoken": tokens[1]}
    assert visitors[1].post("/contact/", data).status_code == 302
    # The timing token was minted just now, so the enquiry is flagged as sent too fast.
    assert Enquiry.objects.get().suspected_spam.startswith("Sent 0.")


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
        ({"email": "a" * 250 + "@example.org"}, "email", "up to 254 characters"),
        ({"phone": "12"}, "phone", "Enter a phone number we can call"),
        ({"phone": "0" * 33}, "phone", "Enter a phone number of up to 32 characters."),
        ({"phone": "", "preferred_contact": "phone"}, "phone", "as you would like us to call"),
        ({"email": "", "preferred_contact": "email"}, "email", "as you would like us to email"),
        ({"kind": None}, "kind", "Choose what your enquiry is about."),
        ({"kind": "vip"}, "kind", "Choose what your enquiry is about."),
        ({"preferred_contact": "fax"}, "preferred_contact", "Choose how we should contact you."),
        ({"condition": "Brain transplant"}, "condition", "Choose an area of pain from the list."),
        ({"consent": None}, "consent", "Tick the box"),
        ({"consent": "yes please"}, "consent", "Tick the box"),
        ({"message": "x" * 2001}, "message", "Shorten it to 2,000"),
        ({"preferred_times": "x" * 201}, "preferred_times", "Keep this to 200 characters"),
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
    radios = ("kind", "preferred_contact")
    target = f"#id_{field}_0" if field in radios else f"#id_{field}"
    assert message in links[target]
    assert len(links) == 1  # one clear message, not the model's generic one as well
    error = html.select_one(f"#id_{field}_error")
    assert message in error.text and error.text.strip().startswith("Error:")
    widget = html.select_one(f"[name={field}]:not([type=radio])")
    if widget is not None:
        assert widget.get("aria-invalid") == "true"
        assert f"id_{field}_error" in widget["aria-describedby"]
    if field != "name":
        assert html.select_one("#id_name")["value"] == "Alex Morgan"  # values kept
    assert not Enquiry.objects.exists()


@pytest.mark.parametrize(
    ("region", "typed", "stored"),
    [
        ("GB", "01632 960 555", "+441632960555"),
        ("IE", "087 123 4567", "+353871234567"),
        ("US", "(201) 555-0123", "+12015550123"),
        ("US", "+44 1632 960555", "+441632960555"),  # a country code always wins
    ],
)
def test_phone_numbers_in_the_clinics_national_format_are_stored_in_full(
    client, settings, region, typed, stored
):
    settings.ENQUIRY_PHONE_REGION = region
    assert client.post("/contact/", valid(client, phone=typed)).status_code == 302
    assert Enquiry.objects.get().phone == stored


# Every field, with each kind of hostile input. Bytes are sent raw in the request body: a lone
# surrogate ("\ud800" as UTF-8) is not valid UTF-8, as a broken client or a fuzzer sends it.
HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE enquiries_enquiry; --",
    "Robert'); DELETE FROM auth_user; --",
    "\u202egnp.exe",
    "{{ settings.SECRET_KEY }} {% debug %}",
    "😀 Ṫëśŧ ﷽",
    "a\u0000b",
    "\ud800".encode("utf-8", "surrogatepass"),
    "x" * 100_000,
]
FIELDS = [
    "name", "email", "phone", "preferred_contact", "kind", "condition", "preferred_times",
    "message", "consent", "website", "shown",
]  # fmt: skip
FREE_TEXT_LIMITS = {"name": 100, "preferred_times": 200, "message": 2000}


def post_with(client, field, value):
    data = valid(client)
    if isinstance(value, str):
        return client.post("/contact/", {**data, field: value})
    data.pop(field)
    body = urlencode(data).encode() + b"&" + field.encode() + b"=" + value
    return client.post("/contact/", body, content_type="application/x-www-form-urlencoded")


def expected_outcome(field, value):
    """What a patient should get: "dropped", "flagged", "error", or the value as stored."""
    if field == "website":
        return "dropped"  # a filled honeypot is a bot
    if field == "shown":
        return "flagged"
    if field not in FREE_TEXT_LIMITS:
        return "error"  # none of these is a valid email, phone, choice or ticked box
    text = value if isinstance(value, str) else value.decode(errors="replace")
    stored = " ".join(text.split()) if field == "name" else text.strip()
    if "\0" in text or "\ufffd" in text or len(stored) > FREE_TEXT_LIMITS[field]:
        return "error"
    return stored


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
@pytest.mark.parametrize("field", FIELDS)
def test_hostile_input_is_refused_or_stored_exactly_never_a_500(client, settings, field, value):
    response = post_with(client, field, value)
    outcome = expected_outcome(field, value)
    html = response.content.decode()
    if outcome == "error":
        assert response.status_code == 200
        assert soup(response).select_one(".error-summary")
        assert soup(response).select_one(f"#id_{field}_error"), "the error is on its field"
        assert "<script>alert('x')</script>" not in html
        assert settings.SECRET_KEY not in html
        if field != "name":
            assert soup(response).select_one("#id_name")["value"] == "Alex Morgan"
        assert not Enquiry.objects.exists()
    elif outcome == "dropped":
        assert (response.status_code, response["Location"]) == (302, "/contact/sent/")
        assert not Enquiry.objects.exists()
    else:
        assert response.status_code == 302
        enquiry = Enquiry.objects.get()
        if outcome == "flagged":
            assert enquiry.suspected_spam == "The form's timing token was missing or altered."
        else:
            assert getattr(enquiry, field) == outcome
            assert not enquiry.suspected_spam
        # Everything else arrived intact.
        assert (enquiry.email, enquiry.phone) == ("alex@example.org", "+441632960555")
        if field != "name":
            assert enquiry.name == "Alex Morgan"


def test_broken_bytes_in_one_field_do_not_garble_the_others(client):
    """Django reads a body that is not UTF-8 as Latin-1 ("José" would become "JosÃ©")."""
    data = valid(client, name="José Núñez")
    data.pop("message")
    body = urlencode(data).encode() + b"&message=Hello+\xed\xa0\x80+there"
    response = client.post("/contact/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    html = soup(response)
    assert "could not be read" in html.select_one("#id_message_error").text
    assert html.select_one("#id_name")["value"] == "José Núñez"
    assert not Enquiry.objects.exists()


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


def test_suspected_spam_is_stored_but_emails_nobody(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """A bot's "email address" may be a stranger's: an acknowledgement would be backscatter.
    Staff are not emailed either (a flood would bury real enquiries): the list flags it."""
    settings.ENQUIRY_MIN_SECONDS = 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", valid(client))
    enquiry = Enquiry.objects.get()
    assert enquiry.suspected_spam
    assert mailoutbox == []
    assert not enquiry.notification_pending  # nothing left for the retry command either
    page = soup(client.get(response["Location"]))
    assert enquiry.reference in page.select_one(".reference").text
    assert "email you" not in page.text and "junk mail" not in page.text  # no email promised


def test_over_the_rate_limit_the_enquiry_is_stored_flagged_and_confirmed_without_emails(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """A patient behind a busy shared address must not lose their enquiry."""
    settings.ENQUIRY_RATE_LIMIT = "2/h"
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post("/contact/", valid(client)) for _ in range(3)]
        other = client.post("/contact/", valid(client), REMOTE_ADDR="203.0.113.9")
    assert [a.status_code for a in [*answers, other]] == [302] * 4
    first, second, third, fourth = Enquiry.objects.order_by("created_at")
    assert third.suspected_spam == "More than 2 enquiries from one address in an hour."
    assert third.status == Status.NEW  # for reception to judge
    assert not (first.suspected_spam or second.suspected_spam or fourth.suspected_spam)
    # No email at all for the flood: the clinic hears of three enquiries, not four.
    assert len(mailoutbox) == 6
    assert all(third.reference not in m.subject + m.body for m in mailoutbox)
    assert not third.notification_pending

    page = soup(client.get(answers[2]["Location"]))
    assert third.reference in page.select_one(".reference").text
    assert "email you" not in page.text and "junk mail" not in page.text  # no email promised
    retry = StringIO()
    call_command("send_pending_notifications", stdout=retry)
    assert len(mailoutbox) == 6


def test_over_the_store_limit_posts_are_refused_counted_and_explained(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ENQUIRY_RATE_LIMIT = "2/h"
    settings.ENQUIRY_STORE_LIMIT = "4/h"
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post("/contact/", valid(client)) for _ in range(6)]
        other = client.post("/contact/", valid(client), REMOTE_ADDR="203.0.113.9")
    assert [a.status_code for a in answers] == [302] * 4 + [429] * 2
    assert other.status_code == 302  # another address is not affected
    assert Enquiry.objects.count() == 5
    assert [bool(e.suspected_spam) for e in Enquiry.objects.order_by("created_at")] == [
        False, False, True, True, False,
    ]  # fmt: skip
    assert len(mailoutbox) == 3 * 2  # staff and patient, for the three not flagged

    page = soup(answers[-1])
    assert page.title.text.startswith("Error:")
    summary = page.select_one(".error-summary").text
    assert "was not saved" in summary and "01632 960 123" in summary
    assert page.select_one("#id_name")["value"] == "Alex Morgan"  # what was typed is kept

    assert RefusedEnquiries.objects.get().count == 2
    reception = Client()
    sign_in(reception, make_staff("rhea", "reception"))
    notice = soup(reception.get("/admin/")).select_one(".refused-enquiries").text
    assert "2 contact form posts refused in the last 7 days" in notice


@pytest.mark.parametrize(
    ("rate", "reason"),
    [
        ("5/h", "More than 5 enquiries from one address in an hour."),
        ("10/m", "More than 10 enquiries from one address in a minute."),
        ("3/2h", "More than 3 enquiries from one address in 2 hours."),
        ("20/d", "More than 20 enquiries from one address in a day."),
    ],
)
def test_the_rate_limit_reason_says_the_configured_limit(settings, rate, reason):
    settings.ENQUIRY_RATE_LIMIT = rate
    assert rate_limit_reason() == reason


def test_rate_limit_fails_open_when_the_shared_cache_is_down(client, settings, caplog):
    settings.ENQUIRY_RATE_LIMIT = "1/h"
    settings.CACHES = {
        **settings.CACHES,
        "down": {  # nothing listens on port 1
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    settings.RATELIMIT_USE_CACHE = "down"
    settings.ENQUIRY_STORE_LIMIT = "1/h"
    for _ in range(3):
        assert client.post("/contact/", valid(client)).status_code == 302
    assert [e.suspected_spam for e in Enquiry.objects.all()] == ["", "", ""]
    assert "rate limit not checked (ConnectionError); enquiry accepted" in caplog.text
    assert "Alex" not in caplog.text and "alex@" not in caplog.text


@pytest.mark.parametrize("address", ["203.0.113.9, 198.51.100.7", "not-an-address", ""])
def test_rate_limit_fails_open_when_the_client_address_is_junk(client, settings, caplog, address):
    settings.ENQUIRY_RATE_LIMIT = "5/h"
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    response = client.post("/contact/", valid(client), HTTP_X_REAL_IP=address, REMOTE_ADDR="")
    assert response.status_code == 302
    assert Enquiry.objects.get().suspected_spam == ""
    assert "rate limit not checked" in caplog.text
    if address:
        assert address.split(",")[0] not in caplog.text


@pytest.mark.parametrize(
    ("acknowledge", "changes", "promised"),
    [
        (True, {}, True),
        (False, {}, False),  # ENQUIRY_ACKNOWLEDGE off
        (True, {"email": "", "preferred_contact": "phone"}, False),  # no address to email
    ],
)
def test_the_confirmation_promises_an_email_only_when_one_is_sent(
    client, settings, mailoutbox, django_capture_on_commit_callbacks, acknowledge, changes,
    promised,
):  # fmt: skip
    settings.ENQUIRY_ACKNOWLEDGE = acknowledge
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", valid(client, **changes))
    text = " ".join(soup(client.get(response["Location"])).text.split())
    assert ("We will email you a copy of your reference" in text) is promised
    assert ("junk mail" in text) is promised
    acknowledgements = [m for m in mailoutbox if m.to != ["reception@example.com"]]
    assert len(acknowledgements) == int(promised)
    assert len(mailoutbox) - len(acknowledgements) == 1  # staff are always told


def test_patient_details_are_hidden_from_error_reports(client, monkeypatch):
    """If storing fails, the 500 report (mailed to admins, logged) must not hold the form."""

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views, "store", broken)
    client.raise_request_exception = False
    response = client.post("/contact/", valid(client))
    assert response.status_code == 500
    posted = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert posted["name"] != "Alex Morgan" and posted["message"].startswith("****")


def test_the_sent_page_ignores_a_tampered_reference(client):
    response = client.get("/contact/sent/?ref=PIT-AAAAA")
    assert response.status_code == 200 and "PIT-AAAAA" not in response.content.decode()


def test_privacy_notice_says_what_is_kept_and_for_how_long(client, settings):
    text = " ".join(soup(client.get("/privacy/")).select_one(".prose").text.split())
    months = round(settings.ENQUIRY_RETENTION_DAYS * 12 / 365)
    assert f"after {months} months" in text  # the period purge_enquiries applies
    assert "booked" in text  # booked enquiries are anonymised too
    assert "still open" in text  # and open ones kept until dealt with
    for item in ["name", "email", "phone", "message", "consent"]:
        assert item in text.lower(), item

"""Patients' data rights in reception's admin: find one person's enquiries by email or by any
format of their phone number, export them (JSON, CSV), and erase them with a reason."""

import csv
import io
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from pit_site.audit.models import Action, AuditEntry
from pit_site.enquiries.models import ANONYMISED, Enquiry, Note
from tests.conftest import soup
from tests.helpers import make_enquiry

pytestmark = pytest.mark.django_db
PAGE = "/admin/enquiries/enquiry/data-rights/"
PHONE_FORMATS = ["01632 960555", "01632960555", "+44 1632 960555", "+441632960555",
                 "0044 1632 960 555", "(01632) 960-555"]  # fmt: skip


@pytest.fixture
def person(db):
    """Two enquiries from Pat (one by email only, one by phone only), and one from someone else."""
    by_email = make_enquiry(email="Pat@Example.org", phone="")
    by_phone = make_enquiry(email="", phone="+441632960555")
    Note.objects.create(enquiry=by_phone, text="Rang back, no answer.")
    other = make_enquiry(name="Someone Else", email="else@example.org", phone="+441632960999")
    return by_email, by_phone, other


def found(response):
    return sorted(a.text for a in soup(response).select("#found-enquiries a"))


@pytest.mark.parametrize("written", PHONE_FORMATS)
def test_find_a_person_by_any_format_of_their_phone_number(desk, person, written):
    _, by_phone, _ = person
    response = desk.get(PAGE, {"who": written})
    assert found(response) == [by_phone.reference]
    assert "Rang back" in soup(response).select_one("#found-notes").text


def test_find_a_person_by_email_whatever_the_case(desk, person):
    by_email, _, _ = person
    assert found(desk.get(PAGE, {"who": "pat@EXAMPLE.org"})) == [by_email.reference]
    entry = AuditEntry.objects.get(action=Action.SEARCHED)
    assert entry.detail == "by email: 1 enquiry found" and "pat" not in entry.detail.lower()


@pytest.mark.parametrize("bad", ["pat@", "12", "not a phone", "x" * 300, "+44 1632 96055555555"])
def test_a_bad_search_says_what_to_type(desk, bad):
    response = desk.get(PAGE, {"who": bad})
    assert response.status_code == 200
    assert soup(response).select(".errorlist")


def test_export_as_json_and_csv_finds_the_person_across_phone_formats(desk, person):
    _, by_phone, other = person
    data = json.loads(desk.post(PAGE, {"who": "01632 960555", "step": "json"}).content)
    assert [e["reference"] for e in data["enquiries"]] == [by_phone.reference]
    assert data["enquiries"][0]["notes"][0]["text"] == "Rang back, no answer."
    assert data["enquiries"][0]["message"] == "Does it hurt?"
    response = desk.post(PAGE, {"who": "+44 1632 960 555", "step": "csv"})
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["reference"] for r in rows] == [by_phone.reference]
    assert rows[0]["phone"] == "'+441632960555"  # never a spreadsheet formula
    exported = AuditEntry.objects.filter(action=Action.EXPORTED)
    assert [e.enquiry_reference for e in exported] == [by_phone.reference] * 2
    assert not exported.filter(enquiry_reference=other.reference).exists()


def test_erasing_needs_a_reason_and_a_confirmation(desk, person):
    _, by_phone, _ = person
    response = desk.post(PAGE, {"who": "01632960555", "step": "erase", "reason": "asked"})
    assert soup(response).select(".errorlist")
    by_phone.refresh_from_db()
    assert by_phone.name != ANONYMISED


def test_erasing_anonymises_like_the_retention_job_and_records_who_and_why(desk, person):
    by_email, by_phone, other = person
    Enquiry.objects.filter(pk=by_phone.pk).update(acknowledgement_due=True)
    response = desk.post(
        PAGE,
        {"who": "+44 (0)1632 960555".replace("(0)", ""), "step": "erase",
         "reason": "Erasure request by phone, identity checked", "confirm": "on"},
    )  # fmt: skip
    assert "Erased the details in 1 enquiry." in response.content.decode()
    by_phone.refresh_from_db()
    assert (by_phone.name, by_phone.phone, by_phone.message, by_phone.condition) == (
        ANONYMISED, "", "", "",
    )  # fmt: skip
    assert by_phone.reference and by_phone.kind and by_phone.created_at and by_phone.anonymised_at
    assert not by_phone.notes.exists()
    entry = AuditEntry.objects.get(action=Action.ANONYMISED)
    assert entry.enquiry_reference == by_phone.reference and entry.actor_name == "rosa"
    assert "identity checked" in entry.detail
    other.refresh_from_db()
    by_email.refresh_from_db()
    assert other.name == "Someone Else" and by_email.name == "Pat Example"
    # Suppressed: the pending acknowledgement is never sent.
    mail.outbox.clear()
    call_command("send_pending_notifications", stdout=StringIO(), stderr=StringIO())
    assert not [m for m in mail.outbox if by_phone.reference in m.body + m.subject]


def test_editors_cannot_use_data_rights(editor_client):
    assert editor_client.get(PAGE, {"who": "pat@example.org"}).status_code == 403


def test_the_privacy_notice_explains_both_rights(client):
    text = soup(client.get("/privacy/")).get_text(" ")
    assert "copy of what we hold about you" in text
    assert "one month" in text and "in whatever way it was written" in text
    assert "Asking us to delete your details" in text and "not send you any more emails" in text

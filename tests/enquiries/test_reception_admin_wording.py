"""What reception reads in the admin: plurals, names, dates, a new-note row, and the CSV."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from pit_site.enquiries.models import Note
from tests.conftest import soup
from tests.helpers import make_enquiry

pytestmark = pytest.mark.django_db
LIST = "/admin/enquiries/enquiry/"


def messages_after(desk, data):
    response = desk.post(LIST, data, follow=True)
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        li.text for li in soup(response).select(".messagelist li")
    ]


def test_action_messages_use_proper_plurals(desk):
    one, two = make_enquiry(), make_enquiry()
    assert messages_after(desk, {"action": "mark_contacted", "_selected_action": [one.pk]}) == [
        "1 enquiry marked in progress."
    ]
    assert messages_after(
        desk, {"action": "assign_to_me", "_selected_action": [one.pk, two.pk]}
    ) == ["2 enquiries assigned to you."]


def test_the_assignee_shows_by_full_name_in_the_list_and_the_filter(desk, reception):
    make_enquiry(assigned_to=reception)
    html = soup(desk.get(LIST))
    assert html.select_one("td.field-assignee").text == "Rosa Reception"
    filter_links = [a.text for a in html.select("#changelist-filter a")]
    assert "Rosa Reception" in filter_links and "rosa" not in filter_links


def test_received_dates_use_the_one_date_format(desk):
    when = timezone.make_aware(timezone.datetime(2026, 12, 3, 14, 5))
    make_enquiry(created_at=when)
    assert soup(desk.get(LIST)).select_one("td.field-received").text.startswith("3 Dec 2026, 14:05")


def test_the_empty_note_row_is_plainly_for_a_new_note(desk, reception):
    enquiry = make_enquiry()
    Note.objects.create(enquiry=enquiry, text="Called back.", author=reception)
    html = soup(desk.get(f"{LIST}{enquiry.pk}/change/"))
    rows = html.select("#notes-group tbody tr.form-row:not(.empty-form)")
    old, new = rows[0].text, rows[1].text
    assert "Called back." in old and "Rosa Reception" in old
    assert "New note: you, when you save" in new
    assert html.select_one("#id_notes-1-text")["placeholder"].startswith("Add a note")


def test_csv_export_has_labels_plain_phone_numbers_and_the_spam_flag(desk, reception):
    enquiry = make_enquiry(
        phone="+447700900123", assigned_to=reception, suspected_spam="Sent 0.4 seconds after..."
    )
    formula = make_enquiry(phone="", name="+SUM(A1)")
    response = desk.post(LIST, {"action": "export_csv",
                                "_selected_action": [enquiry.pk, formula.pk]})  # fmt: skip
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    row = dict(zip(header, rows[0], strict=True))
    assert row["phone"] == "+447700900123"  # a phone number, not a neutralised formula
    assert row["status"] == "New" and row["kind"] == "Ask a question"
    assert row["preferred_contact"] == "Either" and row["assigned_to"] == "Rosa Reception"
    assert row["suspected_spam"] == "Sent 0.4 seconds after..."
    assert dict(zip(header, rows[1], strict=True))["name"] == "'+SUM(A1)"

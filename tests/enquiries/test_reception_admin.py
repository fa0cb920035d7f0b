"""The receptionist's admin: new first, triage actions, notes, history, export, roles."""

import csv
import datetime
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from pit_site.enquiries.models import Enquiry, ExportRecord, Note, Status, StatusChange
from tests.conftest import make_staff, soup

pytestmark = pytest.mark.django_db
LIST = "/admin/enquiries/enquiry/"


def make_enquiry(**fields):
    values = {
        "name": "Pat Example", "email": "pat@example.org", "phone": "+441632960555",
        "kind": "question", "condition": "Knee pain", "message": "Does it hurt?",
        "consent_at": timezone.now(), "privacy_version": "test",
    }  # fmt: skip
    values.update(fields)
    return Enquiry.objects.create(**values)


@pytest.fixture
def reception(db):
    return make_staff("rosa", "reception", "Rosa Reception")


@pytest.fixture
def desk(reception):
    client = Client()
    client.force_login(reception)
    return client


def test_list_shows_new_first_with_the_columns_reception_needs(desk):
    old_new = make_enquiry(created_at=timezone.now() - datetime.timedelta(days=3))
    handled = make_enquiry(status=Status.IN_PROGRESS)
    newest = make_enquiry(name="Newest Patient")
    html = soup(desk.get(LIST))
    rows = [a.text for a in html.select("#result_list th.field-reference a")]
    assert rows == [newest.reference, old_new.reference, handled.reference]
    headers = [th.text.strip() for th in html.select("#result_list thead th")][1:]
    for column in ["Reference", "Received", "Name", "Enquiry about", "Condition", "Status",
                   "Assigned to"]:  # fmt: skip
        assert column in headers, column
    assert "ago" in html.select_one("td.field-received").text


@pytest.mark.parametrize("term", ["PIT-", "Pat Ex", "pat@example", "960555"])
def test_search_by_reference_name_email_phone(desk, term):
    enquiry = make_enquiry()
    make_enquiry(name="Someone Else", email="else@example.org", phone="+441632960777")
    found = [a.text for a in soup(desk.get(LIST, {"q": term})).select("th.field-reference a")]
    assert enquiry.reference in found


def test_filters(desk):
    make_enquiry(kind="assessment")
    make_enquiry(status=Status.CLOSED)
    html = soup(desk.get(LIST, {"status__exact": "closed"}))
    assert len(html.select("#result_list tbody tr")) == 1
    assert (
        len(soup(desk.get(LIST, {"kind__exact": "assessment"})).select("#result_list tbody tr"))
        == 1
    )


def test_triage_actions_record_who_changed_what(desk, reception):
    enquiry = make_enquiry()
    for action, status in [("mark_contacted", "in_progress"), ("mark_booked", "booked"),
                           ("mark_closed", "closed"), ("mark_spam", "spam")]:  # fmt: skip
        desk.post(LIST, {"action": action, "_selected_action": [enquiry.pk]})
        enquiry.refresh_from_db()
        assert enquiry.status == status
    assert enquiry.finished_at is not None
    changes = list(
        StatusChange.objects.filter(enquiry=enquiry).values_list("new_status", flat=True)
    )
    assert changes == ["in_progress", "booked", "closed", "spam"]
    assert {c.changed_by for c in StatusChange.objects.all()} == {reception}

    desk.post(LIST, {"action": "assign_to_me", "_selected_action": [enquiry.pk]})
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == reception


def test_detail_is_read_only_for_patient_data_with_notes_and_history(desk, reception):
    enquiry = make_enquiry(message="<script>alert(1)</script> my knee")
    url = f"{LIST}{enquiry.pk}/change/"
    html = soup(desk.get(url))
    assert not html.select("input[name=name], textarea[name=message], input[name=email]")
    assert "&lt;script&gt;" in desk.get(url).content.decode()
    data = {
        "status": "in_progress", "assigned_to": reception.pk,
        "notes-TOTAL_FORMS": "1", "notes-INITIAL_FORMS": "0", "notes-MIN_NUM_FORMS": "0",
        "notes-MAX_NUM_FORMS": "1000", "notes-0-text": "Left a voicemail.",
        "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0", "status_changes-MAX_NUM_FORMS": "0",
    }  # fmt: skip
    assert desk.post(url, data).status_code == 302
    note = Note.objects.get()
    assert (note.text, note.author) == ("Left a voicemail.", reception)
    change = StatusChange.objects.get()
    assert (change.old_status, change.new_status, change.changed_by) == ("new", "in_progress",
                                                                         reception)  # fmt: skip
    page = desk.get(url).content.decode()
    assert "Left a voicemail." in page and "Rosa" in page


def test_admin_index_counts_new_enquiries(desk):
    make_enquiry()
    make_enquiry()
    make_enquiry(status=Status.CLOSED)
    notice = soup(desk.get("/admin/")).select_one(".new-enquiries")
    assert "2 new enquiries waiting" in " ".join(notice.text.split())


def test_csv_export_is_recorded_and_safe_to_open(desk, reception):
    first = make_enquiry(name='=HYPERLINK("http://evil.example")')
    second = make_enquiry(name="Ana Ñúñez")
    response = desk.post(LIST, {"action": "export_csv", "_selected_action": [first.pk, second.pk]})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["reference", "created_at", "status", "name"]
    names = {row[3] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil.example")', "Ana Ñúñez"}
    assert "message" not in rows[0]  # the free-text message stays in the system
    record = ExportRecord.objects.get()
    assert record.exported_by == reception and record.count == 2
    assert set(record.references.split()) == {first.reference, second.reference}


def test_reception_cannot_edit_pages_and_editors_cannot_see_enquiries(desk, editor_client):
    make_enquiry()
    assert desk.get("/admin/pages/page/").status_code == 403
    assert desk.get("/admin/auth/user/").status_code == 403
    assert editor_client.get(LIST).status_code == 403
    assert editor_client.get(f"{LIST}{Enquiry.objects.get().pk}/change/").status_code == 403
    assert "new-enquiries" not in editor_client.get("/admin/").content.decode()
    assert desk.get(f"{LIST}add/").status_code == 403  # enquiries only come from patients


def test_enquiry_list_queries_do_not_grow_with_rows(desk, reception):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(start, count):
        Enquiry.objects.bulk_create(
            [Enquiry(reference=f"PIT-T{i:04d}", name=f"P {i}", email="p@example.org",
                     kind="question", consent_at=timezone.now(), privacy_version="t",
                     assigned_to=reception) for i in range(start, start + count)]
        )  # fmt: skip

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(LIST).status_code == 200
        return len(captured)

    add(0, 3)
    desk.get(LIST)  # warm the cached clinic details
    few = queries()
    add(3, 300)
    assert queries() == few <= 12


def test_purge_applies_the_retention_period(settings):
    settings.ENQUIRY_RETENTION_DAYS = 30
    long_ago = timezone.now() - datetime.timedelta(days=31)
    old_spam = make_enquiry(status=Status.SPAM, finished_at=long_ago)
    old_closed = make_enquiry(status=Status.CLOSED, finished_at=long_ago, name="Old Patient")
    Note.objects.create(enquiry=old_closed, text="Called back about her knee")
    recent_closed = make_enquiry(status=Status.CLOSED, finished_at=timezone.now())
    booked = make_enquiry(status=Status.BOOKED)

    out = StringIO()
    call_command("purge_enquiries", "--dry-run", stdout=out)
    assert "Would delete 1 spam and would anonymise 1 closed" in out.getvalue()
    assert Enquiry.objects.count() == 4

    call_command("purge_enquiries", stdout=(out := StringIO()))
    assert "Deleted 1 spam and anonymised 1 closed enquiries" in out.getvalue()
    assert not Enquiry.objects.filter(pk=old_spam.pk).exists()
    old_closed.refresh_from_db()
    assert (old_closed.name, old_closed.email, old_closed.message) == ("[removed]", "", "")
    assert old_closed.reference and old_closed.anonymised_at and not old_closed.notes.exists()
    assert Enquiry.objects.get(pk=recent_closed.pk).name == "Pat Example"
    assert Enquiry.objects.get(pk=booked.pk).name == "Pat Example"
    call_command("purge_enquiries", stdout=(out := StringIO()))
    assert "Deleted 0 spam and anonymised 0 closed" in out.getvalue()

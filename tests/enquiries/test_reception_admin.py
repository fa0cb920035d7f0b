"""The receptionist's admin: new first, triage actions, notes, history, export, roles."""

import csv
import datetime
import importlib
import io
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from pit_site.enquiries.models import Enquiry, ExportRecord, Note, Status, StatusChange
from tests.conftest import make_staff, soup
from tests.helpers import make_enquiry

pytestmark = pytest.mark.django_db
LIST = "/admin/enquiries/enquiry/"


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


def listed(desk, **params):
    return [a.text for a in soup(desk.get(LIST, params)).select("th.field-reference a")]


@pytest.mark.parametrize(
    "term", ["PIT-", "Pat Ex", "pat@example", "960555", "01632 960555", "(01632) 960-555",
             "+44 1632 960555"],
)  # fmt: skip
def test_search_by_reference_name_email_phone(desk, term):
    enquiry = make_enquiry()
    other = make_enquiry(name="Someone Else", email="else@example.org", phone="+441632960777")
    found = listed(desk, q=term)
    assert enquiry.reference in found
    if term != "PIT-":
        assert other.reference not in found


def test_phone_search_uses_the_clinics_region(desk, settings):
    settings.ENQUIRY_PHONE_REGION = "IE"
    enquiry = make_enquiry(phone="+353871234567")
    make_enquiry(phone="+441632960555")
    assert listed(desk, q="087 123 4567") == [enquiry.reference]


def test_filters(desk, reception):
    assessment = make_enquiry(kind="assessment")
    closed = make_enquiry(status=Status.CLOSED, condition="Hip pain")
    old = make_enquiry(created_at=timezone.now() - datetime.timedelta(days=40))
    assigned = make_enquiry(assigned_to=reception, condition="")
    flagged = make_enquiry(suspected_spam="Sent 0.2 seconds after the form was shown.")
    everyone = {e.reference for e in (assessment, closed, old, assigned, flagged)}
    assert set(listed(desk, status__exact="closed")) == {closed.reference}
    assert set(listed(desk, kind__exact="assessment")) == {assessment.reference}
    assert set(listed(desk, condition="Hip pain")) == {closed.reference}
    sidebar = soup(desk.get(LIST)).select_one("#changelist-filter")
    last_week = sidebar.find("a", string="Past 7 days")["href"]  # the date filter's own link
    found = soup(desk.get(LIST + last_week)).select("th.field-reference a")
    assert {a.text for a in found} == everyone - {old.reference}
    assert set(listed(desk, assigned_to__id__exact=reception.pk)) == {assigned.reference}
    assert set(listed(desk, suspected_spam="yes")) == {flagged.reference}
    assert set(listed(desk, suspected_spam="no")) == everyone - {flagged.reference}
    for title in ["status", "enquiry about", "condition", "created at", "assigned to",
                  "suspected spam"]:  # fmt: skip
        assert f"By {title}" in sidebar.text, title


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


def test_enquiries_can_be_assigned_only_to_people_who_can_work_them(desk, reception, editor):
    other = make_staff("ravi", "reception", "Ravi Desk")
    other.is_active = False  # has left the clinic
    other.save()
    enquiry = make_enquiry()
    html = soup(desk.get(f"{LIST}{enquiry.pk}/change/"))
    names = [o.text for o in html.select("select[name=assigned_to] option") if o["value"]]
    assert names == ["Rosa Reception"]  # not the content editor, nor someone who has left

    Enquiry.objects.filter(pk=enquiry.pk).update(assigned_to=other)
    html = soup(desk.get(f"{LIST}{enquiry.pk}/change/"))
    selected = html.select_one("select[name=assigned_to] option[selected]")
    assert selected.text == "Ravi Desk"  # whoever holds it can still be seen and kept


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


def test_the_export_log_cannot_be_changed_or_deleted_even_by_a_superuser(desk, admin_client):
    enquiry = make_enquiry()
    desk.post(LIST, {"action": "export_csv", "_selected_action": [enquiry.pk]})
    record = ExportRecord.objects.get()
    url = f"/admin/enquiries/exportrecord/{record.pk}/"
    for client in (desk, admin_client):
        page = soup(client.get(f"{url}change/"))
        assert enquiry.reference in page.select_one(".field-references").text
        assert not page.select("input[name=count], textarea[name=references]")
        assert not page.select("[name=_save], .deletelink")
        assert client.get(f"{url}delete/").status_code == 403
        assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
        client.post(f"{url}change/", {"count": "0", "references": ""})
        actions = soup(client.get("/admin/enquiries/exportrecord/")).select(
            "select[name=action] option"
        )
        assert "delete_selected" not in [o.get("value") for o in actions]
    record.refresh_from_db()
    assert (record.count, record.references) == (1, enquiry.reference)


def test_the_detail_says_which_emails_went_out(desk):
    sent = make_enquiry(staff_notified_at=timezone.now())
    flood = make_enquiry(staff_notification_due=False, suspected_spam="More than 5 ...")
    waiting = make_enquiry(notify_attempts=2)
    expected = [
        (sent, "Sent."),
        (flood, "None sent (suspected spam)."),
        (waiting, "Pending (tried 2 times); retried automatically."),
    ]
    for enquiry, text in expected:
        page = soup(desk.get(f"{LIST}{enquiry.pk}/change/"))
        assert page.select_one(".field-notification .readonly").text == text


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


def purge(*args):
    out, err = StringIO(), StringIO()
    call_command("purge_enquiries", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_purge_applies_the_retention_period(settings):
    settings.ENQUIRY_RETENTION_DAYS = 30
    long_ago = timezone.now() - datetime.timedelta(days=31)
    old_spam = make_enquiry(status=Status.SPAM, finished_at=long_ago)
    old_closed = make_enquiry(status=Status.CLOSED, finished_at=long_ago, name="Old Patient")
    Note.objects.create(enquiry=old_closed, text="Called back about her knee")
    old_booked = make_enquiry(status=Status.BOOKED, finished_at=long_ago, phone="+441632960111")
    Note.objects.create(enquiry=old_booked, text="Booked for Tuesday, knee")
    recent_closed = make_enquiry(status=Status.CLOSED, finished_at=timezone.now())
    recent_booked = make_enquiry(status=Status.BOOKED, finished_at=timezone.now())
    old_open = [
        make_enquiry(status=status, created_at=long_ago)
        for status in (Status.NEW, Status.IN_PROGRESS)
    ]

    out, err = purge("--dry-run")
    assert "Would delete 1 spam and would anonymise 2 booked or closed enquiries" in out
    assert "2 open (new or in progress) enquiries arrived more than 30 days ago" in err
    assert Enquiry.objects.count() == 7 and Note.objects.count() == 2

    out, err = purge()
    assert "Deleted 1 spam and anonymised 2 booked or closed enquiries" in out
    assert not Enquiry.objects.filter(pk=old_spam.pk).exists()
    for enquiry in (old_closed, old_booked):
        enquiry.refresh_from_db()
        assert (enquiry.name, enquiry.email, enquiry.phone, enquiry.message, enquiry.condition) == (
            "[removed]", "", "", "", ""
        )  # fmt: skip
        assert enquiry.reference and enquiry.anonymised_at and not enquiry.notes.exists()
    for enquiry in (recent_closed, recent_booked, *old_open):
        assert Enquiry.objects.get(pk=enquiry.pk).name == "Pat Example"  # never lost
    assert "2 open (new or in progress) enquiries" in err  # still there for someone to see

    out, err = purge()
    assert "Deleted 0 spam and anonymised 0 booked or closed" in out


def test_purge_is_quiet_on_stderr_when_nothing_is_overdue(settings):
    make_enquiry()
    out, err = purge()
    assert err == "" and "0 open (new or in progress) enquiries" in out


def test_booking_starts_the_retention_clock_and_reopening_stops_it(desk):
    enquiry = make_enquiry()
    desk.post(LIST, {"action": "mark_booked", "_selected_action": [enquiry.pk]})
    enquiry.refresh_from_db()
    assert enquiry.finished_at is not None
    desk.post(LIST, {"action": "mark_contacted", "_selected_action": [enquiry.pk]})
    enquiry.refresh_from_db()
    assert enquiry.finished_at is None


def test_the_upgrade_dates_enquiries_booked_before_it(reception):
    """Booked enquiries had no finished date before; the migration gives them one."""
    migration = importlib.import_module(
        "pit_site.enquiries.migrations.0003_notify_claims_and_booked_retention"
    )
    when = timezone.now() - datetime.timedelta(days=100)
    recorded = make_enquiry(status=Status.BOOKED)
    StatusChange.objects.create(
        enquiry=recorded, old_status="new", new_status="booked", changed_at=when
    )
    unrecorded = make_enquiry(status=Status.BOOKED)
    still_open = make_enquiry()
    migration.date_booked_enquiries(django_apps, None)
    assert Enquiry.objects.get(pk=recorded.pk).finished_at == when
    assert Enquiry.objects.get(pk=unrecorded.pk).finished_at is not None
    assert Enquiry.objects.get(pk=still_open.pk).finished_at is None

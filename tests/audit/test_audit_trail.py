"""The access audit trail: one entry per audited action, written in the action's transaction,
append-only for everyone, filterable and exportable by admins, and purged after its period."""

import csv
import datetime
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from pit_site.audit.models import Action, AppendOnly, AuditEntry
from pit_site.enquiries.models import Enquiry, ExportRecord, Status
from tests.conftest import make_staff, sign_in, soup
from tests.helpers import make_enquiry

pytestmark = pytest.mark.django_db
LIST = "/admin/enquiries/enquiry/"
AUDIT = "/admin/audit/auditentry/"


@pytest.fixture
def boss(db):
    return make_staff("boss", "admin", "Bo Boss")


@pytest.fixture
def boss_client(boss):
    return sign_in(Client(), boss)


def entries(action, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters))


def only_entry(action, enquiry):
    found = entries(action, enquiry_reference=enquiry.reference)
    assert len(found) == 1, f"{action}: {found}"
    return found[0]


def change_data(desk, enquiry, **changes):
    form = soup(desk.get(f"{LIST}{enquiry.pk}/change/")).select_one("#enquiry_form")
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        if field.name == "select":
            chosen = field.select_one("option[selected]")
            data[field["name"]] = chosen["value"] if chosen else ""
        elif field.get("type") not in {"submit", "checkbox"}:
            data[field["name"]] = field.get("value", field.text if field.name == "textarea" else "")
    data.update(changes)
    return data


def test_viewing_an_enquiry_writes_one_entry(desk, reception):
    enquiry = make_enquiry()
    assert desk.get(f"{LIST}{enquiry.pk}/change/").status_code == 200
    entry = only_entry(Action.VIEWED, enquiry)
    assert entry.actor == reception and entry.actor_name == "rosa"
    assert entry.ip_address == "127.0.0.1"


def test_changing_the_status_and_assigning_in_the_form(desk, reception):
    enquiry = make_enquiry()
    data = change_data(desk, enquiry, status="booked", assigned_to=str(reception.pk))
    response = desk.post(f"{LIST}{enquiry.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    assert "status" in only_entry(Action.CHANGED, enquiry).detail
    assert only_entry(Action.ASSIGNED, enquiry).subject == "rosa"


def test_adding_a_note_is_a_change(desk):
    enquiry = make_enquiry()
    data = change_data(desk, enquiry, **{"notes-0-text": "Called back, left a message."})
    desk.post(f"{LIST}{enquiry.pk}/change/", data)
    assert only_entry(Action.CHANGED, enquiry).detail == "note added"


@pytest.mark.parametrize(
    "action, audited",
    [("mark_booked", Action.CHANGED), ("mark_spam", Action.CHANGED),
     ("assign_to_me", Action.ASSIGNED), ("export_csv", Action.EXPORTED)],
)  # fmt: skip
def test_each_list_action_writes_one_entry_per_enquiry(desk, action, audited):
    first, second = make_enquiry(), make_enquiry()
    desk.post(LIST, {"action": action, "_selected_action": [first.pk, second.pk]})
    for enquiry in (first, second):
        assert only_entry(audited, enquiry).actor_name == "rosa"
    assert AuditEntry.objects.exclude(enquiry_reference="").count() == 2


def test_deleting_writes_one_entry(boss_client):
    enquiry = make_enquiry()
    boss_client.post(f"{LIST}{enquiry.pk}/delete/", {"post": "yes"})
    assert not Enquiry.objects.filter(pk=enquiry.pk).exists()
    assert only_entry(Action.DELETED, enquiry).actor_name == "boss"


class Broken(Exception):
    pass


def break_audit(monkeypatch):
    def fail(*args, **kwargs):
        raise Broken("the audit trail is down")

    monkeypatch.setattr("pit_site.audit.models.AuditEntry.objects.create", fail)


def test_no_entry_no_status_change(desk, monkeypatch):
    enquiry = make_enquiry()
    break_audit(monkeypatch)
    with pytest.raises(Broken):
        desk.post(LIST, {"action": "mark_booked", "_selected_action": [enquiry.pk]})
    enquiry.refresh_from_db()
    assert enquiry.status == Status.NEW and not enquiry.status_changes.exists()


def test_no_entry_no_export_and_no_assignment(desk, monkeypatch):
    enquiry = make_enquiry()
    break_audit(monkeypatch)
    for action in ("export_csv", "assign_to_me"):
        with pytest.raises(Broken):
            desk.post(LIST, {"action": action, "_selected_action": [enquiry.pk]})
    assert not ExportRecord.objects.exists()
    enquiry.refresh_from_db()
    assert enquiry.assigned_to is None


def test_no_entry_no_form_change(desk, monkeypatch):
    enquiry = make_enquiry()
    data = change_data(desk, enquiry, status="closed")
    break_audit(monkeypatch)
    with pytest.raises(Broken):
        desk.post(f"{LIST}{enquiry.pk}/change/", data)
    enquiry.refresh_from_db()
    assert enquiry.status == Status.NEW


def test_a_failed_action_leaves_no_entry(desk, monkeypatch):
    enquiry = make_enquiry()

    def fail(self, *args, **kwargs):
        raise Broken("database trouble after the entry was written")

    monkeypatch.setattr(Enquiry, "save", fail)
    with pytest.raises(Broken):
        desk.post(LIST, {"action": "mark_closed", "_selected_action": [enquiry.pk]})
    assert not AuditEntry.objects.filter(enquiry_reference=enquiry.reference).exists()


def test_sign_ins_and_failures_are_recorded(client, reception):
    reception.set_password("a-Long-test-password-42")
    reception.save()
    client.post("/admin/login/", {"username": "rosa", "password": "wrong"})
    client.post("/admin/login/", {"username": "nobody-here", "password": "wrong"})
    client.post("/admin/login/", {"username": "rosa", "password": "a-Long-test-password-42"})
    failed = entries(Action.SIGN_IN_FAILED)
    assert [(e.subject, e.actor) for e in failed] == [("nobody-here", None), ("rosa", reception)]
    assert len(entries(Action.SIGN_IN, actor=reception)) == 1


def test_role_changes_are_recorded_with_who_made_them(boss_client, reception):
    from django.contrib.auth.models import Group

    AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)
    editors = Group.objects.get(name="Content editors")
    data = {
        "username": "rosa", "first_name": "Rosa", "last_name": "Reception", "email": "",
        "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "groups": [g.pk for g in reception.groups.all()] + [editors.pk],
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }  # fmt: skip
    response = boss_client.post(f"/admin/auth/user/{reception.pk}/change/", data)
    assert response.status_code == 302, soup(response).select(".errorlist")
    changes = entries(Action.ROLE_CHANGED, subject="rosa")
    assert {e.actor_name for e in changes} == {"boss"}
    details = " | ".join(e.detail for e in changes)
    assert "is_superuser False → True" in details and "added to Content editors" in details


def test_nobody_can_change_or_delete_an_entry(boss_client):
    entry = AuditEntry.objects.create(action=Action.VIEWED, enquiry_reference="PIT-22222")
    assert boss_client.get(f"{AUDIT}{entry.pk}/change/").status_code == 200  # read-only view
    page = soup(boss_client.get(f"{AUDIT}{entry.pk}/change/"))
    assert not page.select("input[type=submit]") and not page.select("a.deletelink")
    assert boss_client.post(f"{AUDIT}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert boss_client.get(f"{AUDIT}add/").status_code == 403
    assert not soup(boss_client.get(AUDIT)).select("select[name=action]")
    entry.detail = "rewritten"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).detail == ""


def test_reception_cannot_see_the_audit_trail(desk):
    assert desk.get(AUDIT).status_code == 403
    assert desk.get(AUDIT + "export/").status_code == 403


def test_admins_filter_by_person_reference_and_date_and_viewing_is_recorded(boss_client):
    old = timezone.now() - datetime.timedelta(days=40)
    AuditEntry.objects.create(
        action=Action.VIEWED, actor_name="rosa", enquiry_reference="PIT-AAAAA"
    )
    AuditEntry.objects.create(action=Action.VIEWED, actor_name="kim", enquiry_reference="PIT-BBBBB")
    AuditEntry.objects.create(
        action=Action.VIEWED, actor_name="rosa", enquiry_reference="PIT-CCCCC", at=old
    )

    def refs(**params):
        rows = soup(boss_client.get(AUDIT, params)).select("td.field-enquiry_reference")
        return sorted(td.text for td in rows if td.text.startswith("PIT-"))

    assert refs(actor="rosa") == ["PIT-AAAAA", "PIT-CCCCC"]
    assert refs(q="PIT-BBBBB") == ["PIT-BBBBB"]
    since = (timezone.now() - datetime.timedelta(days=7)).isoformat()
    assert refs(**{"at__gte": since}) == ["PIT-AAAAA", "PIT-BBBBB"]
    assert len(entries(Action.AUDIT_VIEWED, actor_name="boss")) == 3  # each look is recorded


def test_admins_export_what_the_filter_shows(boss_client):
    AuditEntry.objects.create(
        action=Action.VIEWED, actor_name="rosa", enquiry_reference="PIT-AAAAA"
    )
    AuditEntry.objects.create(action=Action.VIEWED, actor_name="kim", enquiry_reference="PIT-BBBBB")
    response = boss_client.get(AUDIT + "export/", {"actor": "rosa"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["actor_name"], r["enquiry_reference"]) for r in rows] == [("rosa", "PIT-AAAAA")]
    assert len(entries(Action.AUDIT_EXPORTED, actor_name="boss")) == 1


def test_the_daily_job_purges_entries_past_the_retention_period(settings):
    settings.AUDIT_RETENTION_DAYS = 730
    now = timezone.now()
    AuditEntry.objects.create(action=Action.VIEWED, at=now - datetime.timedelta(days=731))
    kept = AuditEntry.objects.create(action=Action.VIEWED, at=now - datetime.timedelta(days=729))
    out = StringIO()
    call_command("purge_enquiries", stdout=out, stderr=StringIO())
    assert "Deleted 1 audit entries older than 730 days" in out.getvalue()
    assert list(AuditEntry.objects.filter(action=Action.VIEWED)) == [kept]


def test_the_retention_job_records_what_it_anonymises_and_deletes(settings):
    long_ago = timezone.now() - datetime.timedelta(days=settings.ENQUIRY_RETENTION_DAYS + 1)
    closed = make_enquiry(status=Status.CLOSED, finished_at=long_ago)
    spam = make_enquiry(status=Status.SPAM, finished_at=long_ago)
    call_command("purge_enquiries", stdout=StringIO(), stderr=StringIO())
    assert only_entry(Action.ANONYMISED, closed).actor is None
    assert only_entry(Action.DELETED, spam).detail == "retention period"

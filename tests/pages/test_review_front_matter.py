"""The `review: awaiting clinical review` front matter key: read, checked and written back."""

import contextlib
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pit_site.pages.export import export_content, serialize
from pit_site.pages.models import Page

pytestmark = pytest.mark.django_db

HEAD = "---\ntitle: T\nsummary: A page used by the tests, with a summary long enough.\n"


def load(root):
    out, err = StringIO(), StringIO()
    with contextlib.suppress(CommandError):  # raised when a file has errors; err says which
        call_command("load_content", "--dir", str(root), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def empty_db():
    Page.objects.all().delete()


def test_the_explicit_marker_loads_as_an_unreviewed_page(tmp_path, client):
    (tmp_path / "safety.md").write_text(HEAD + "review: awaiting clinical review\n---\nBody.\n")
    out, err = load(tmp_path)
    assert "1 created" in out and err == ""
    page = Page.objects.get(path="safety")
    assert (page.last_reviewed, page.reviewer) == (None, "")
    assert "awaiting clinical review" in client.get("/safety/").content.decode()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "review: awaiting clinical review\nreviewer: Dr X\nlast_reviewed: 2026-01-15\n",
            "review says 'awaiting clinical review' but last_reviewed or reviewer is set",
        ),
        (
            "review: awaiting clinical review\nlast_reviewed: 2026-01-15\n",
            "review says 'awaiting clinical review' but last_reviewed or reviewer is set",
        ),
        ("review: reviewed\n", "review must be 'awaiting clinical review', not 'reviewed'"),
        ("review: Awaiting Review\n", "review must be 'awaiting clinical review'"),
        ("review: yes\n", "review must be text"),  # YAML reads yes as true
        ("review: [a, b]\n", "review must be text"),
    ],
)
def test_a_wrong_or_conflicting_marker_is_a_one_line_error_naming_the_file(
    tmp_path, extra, message
):
    (tmp_path / "good.md").write_text(HEAD + "---\nFine.\n")
    (tmp_path / "bad.md").write_text(HEAD + extra + "---\nBody.\n")
    out, err = load(tmp_path)
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert errors[0].startswith("error: bad.md: ") and message in errors[0], errors
    assert set(Page.objects.values_list("path", flat=True)) == {"good"}  # the rest still loads
    assert "1 errors" in out


def test_export_writes_the_marker_for_unreviewed_pages_and_dates_for_reviewed_ones(tmp_path):
    waiting = Page.objects.create(path="waiting", title="W", summary="S", status="published")
    reviewed = Page.objects.create(
        path="reviewed",
        title="R",
        summary="S",
        status="published",
        last_reviewed=datetime.date(2026, 1, 15),
        reviewer="Dr A",
        reviewer_role="Pain physician",
    )
    assert serialize(waiting) == (
        "---\ntitle: W\nsummary: S\nkind: page\norder: 100\nreview: awaiting clinical review\n---\n"
    )
    text = serialize(reviewed)
    assert "\nreview:" not in text
    assert "\nlast_reviewed: 2026-01-15\nreviewer: Dr A\nreviewer_role: Pain physician\n" in text

    export_content(tmp_path)
    assert (tmp_path / "waiting.md").read_text() == serialize(waiting)


def test_marking_a_page_reviewed_replaces_the_marker_and_the_round_trip_is_exact(tmp_path):
    page = Page.objects.create(path="p", title="P", summary="S", status="published", body="Hi.")
    export_content(tmp_path)
    first = (tmp_path / "p.md").read_bytes()
    assert b"\nreview: awaiting clinical review\n" in first

    page.last_reviewed = datetime.date(2026, 3, 1)
    page.reviewer = "Dr A"
    page.save()
    export_content(tmp_path)
    second = (tmp_path / "p.md").read_bytes()
    assert b"review: awaiting" not in second and b"\nlast_reviewed: 2026-03-01\n" in second

    before = Page.objects.get(path="p").content_values()
    Page.objects.all().delete()
    out, err = load(tmp_path)
    assert "0 errors" in out and err == ""
    assert Page.objects.get(path="p").content_values() == before
    export_content(tmp_path / "again")
    assert (tmp_path / "again" / "p.md").read_bytes() == second

"""export_content: pages written back as content files that load_content reads back exactly."""

import datetime
import os
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from pit_site.pages.export import export_content, path_to_file, serialize
from pit_site.pages.models import CONTENT_FIELDS, Kind, Page, Status
from pit_site.references.models import Reference
from tests.conftest import sign_in
from tests.pages.test_page_admin import form_data

pytestmark = pytest.mark.django_db

SUMMARY = "A page used by the tests, with a summary long enough to be a real one."


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def files(root):
    root = Path(root)
    return {
        file.relative_to(root).as_posix(): file.read_bytes()
        for file in root.rglob("*")
        if file.is_file()
    }


def values():
    return {page.path: page.content_values() for page in Page.objects.all()}


def reload_into_empty_db(root):
    Page.objects.all().delete()
    out, err = run("load_content", "--dir", str(root))
    assert err == "" and "0 errors" in out
    return values()


@pytest.fixture
def shipped():
    """The database holding exactly the shipped content/ folder, its bibliography included."""
    Page.objects.all().delete()
    Reference.objects.all().delete()
    out, _ = run("load_content", "--dir", str(settings.CONTENT_DIR))
    assert "0 errors" in out
    return Page.objects.count()


def test_exporting_the_shipped_content_reproduces_it_byte_for_byte(shipped, tmp_path):
    out, err = run("export_content", "--dir", str(tmp_path / "out"))
    assert out.strip() == f"{shipped + 1} written, 0 unchanged"  # and bibliography.yaml
    assert err == ""
    assert files(tmp_path / "out") == files(settings.CONTENT_DIR)


def test_an_admin_edit_is_exported_and_loads_back_exactly(shipped, tmp_path, client, reviewer):
    """Edited through the admin's change form, posted as a browser posts it (CRLF line ends,
    a trailing line end), exported, loaded into an empty database: the same, byte for byte."""
    page = Page.objects.get(path="conditions/knee-pain")
    body = "## New heading\r\n\r\nEdited in the admin.\r\nSecond line.\r\n\r\n- a list\r\n"
    data = form_data(
        page,
        title='Knee pain: what "PIT" can and can\'t do',
        body=body,
        status="draft",
        last_reviewed="2026-01-15",
        next_review_due="",
        reviewer="Dr A. Example",
        reviewer_role="Pain physician",
    )
    sign_in(client, reviewer)  # only clinical reviewers may set the review fields
    response = client.post(
        f"/admin/pages/page/{page.pk}/change/",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    page.refresh_from_db()
    assert page.body == "## New heading\n\nEdited in the admin.\nSecond line.\n\n- a list"
    before = values()
    html_before = dict(Page.objects.values_list("path", "body_html"))

    run("export_content", "--dir", str(tmp_path))
    text = (tmp_path / "conditions" / "knee-pain.md").read_text()
    assert "\nstatus: draft\n" in text and "\nlast_reviewed: 2026-01-15\n" in text
    assert "next_review_due" not in text  # the default, one year on, is left out
    after = reload_into_empty_db(tmp_path)

    assert after == before
    assert dict(Page.objects.values_list("path", "body_html")) == html_before
    assert set(CONTENT_FIELDS) <= set(after["conditions/knee-pain"])
    assert after["conditions/knee-pain"]["next_review_due"] == datetime.date(2027, 1, 15)


def test_load_after_export_sees_no_conflicts_and_keeps_edit_times(shipped, tmp_path):
    page = Page.objects.get(path="fees")
    page.body += "\n\nA new paragraph written in the admin."
    page.save()  # now differs from content/: a conflict for content/, not for the export
    times = dict(Page.objects.values_list("path", "updated_at"))

    run("export_content", "--dir", str(tmp_path))
    assert dict(Page.objects.values_list("path", "updated_at")) == times
    out, err = run("load_content", "--dir", str(tmp_path))
    assert out.strip().splitlines() == [
        f"references: 0 created, 0 updated, {Reference.objects.count()} unchanged, 0 conflicts",
        f"0 created, 0 updated, {shipped} unchanged, 0 conflicts, 0 errors",
    ]
    assert err == ""
    assert dict(Page.objects.values_list("path", "updated_at")) == times


HOSTILE_TITLES = [
    "Knee pain: what helps",
    "- not a list item",
    "# not a comment",
    "Price #1 choice",
    "It's 'quoted'",
    'She said "yes"',
    "{{ settings.SECRET_KEY }} {% debug %}",
    "<script>alert('x')</script>",
    "left \u202e right-to-left override",
    "Emoji 💉😀 and accents: café, naïve",
    "A" * 95 + " " + "b" * 94,
    "yes",
    "null",
    "~",
    "123",
    "0x1F",
    "2024-01-01",
    "*alias &anchor !tag",
    "@at `tick` | pipe > fold",
    "[not, a, list]",
    "{not: a map}",
    "ends with a colon:",
    "? question mark first",
    "% percent first",
    "--- three dashes",
    "... three dots",
    "tab\there",
    "line\nbreak",
    "para\u2028separator",
    "back\\slash \\n not a newline",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_odd_titles_and_summaries_round_trip_exactly(title, tmp_path):
    Page.objects.all().delete()
    Page.objects.create(path="odd", title=title, summary=f"{title} | {SUMMARY}", status="draft")
    before = values()
    export_content(tmp_path)
    assert reload_into_empty_db(tmp_path) == before
    assert len((tmp_path / "odd.md").read_text().splitlines()) <= 8  # nothing folded


def test_odd_bodies_round_trip_exactly(tmp_path):
    Page.objects.all().delete()
    body = (
        "Intro line.\n\n---\n\nA rule above, and a fake front matter below:\n\n"
        "---\ntitle: Not the title\n---\n\n"
        "Trailing spaces for a hard break  \nnext line\n\n"
        "\tindented with a tab\n\n    code block\n\n"
        "<script>alert(1)</script> {{ settings.SECRET_KEY }} \u202e 💉\n\n"
        "Last line."
    )
    Page.objects.create(path="odd", title="Odd body", summary=SUMMARY, body=body)
    before = values()
    export_content(tmp_path)
    text = (tmp_path / "odd.md").read_bytes()
    assert text.endswith(b"Last line.\n") and b"\r" not in text
    assert reload_into_empty_db(tmp_path) == before


def test_serialize_writes_keys_in_order_and_leaves_empty_ones_out():
    page = Page(  # unsaved, so kind and status are still enum members
        path="conditions/x",
        title="X",
        summary="S",
        kind=Kind.CONDITION,
        status=Status.PUBLISHED,
        order=7,
        region="hip-and-knee",
        evidence="some",
        last_reviewed=datetime.date(2026, 1, 15),
        next_review_due=datetime.date(2026, 6, 1),
        reviewer="Dr A",
        body="\n\nBody text.\n\n\n",
    )
    assert serialize(page) == (
        "---\ntitle: X\nsummary: S\nkind: condition\norder: 7\nregion: hip-and-knee\n"
        "evidence: some\nlast_reviewed: 2026-01-15\nnext_review_due: 2026-06-01\n"
        "reviewer: Dr A\n---\n\nBody text.\n"
    )


def test_menu_flags_are_written_only_when_set():
    page = Page(path="fees", title="Fees", summary="S", status=Status.PUBLISHED, order=120)
    page.nav_title = "Fees and insurance"
    assert "menu" not in serialize(page)
    page.footer_menu = True
    assert serialize(page) == (
        "---\ntitle: Fees\nsummary: S\nkind: page\norder: 120\nnav_title: Fees and insurance\n"
        "footer_menu: true\nreview: awaiting clinical review\n---\n"
    )


def test_path_to_file_puts_sections_in_their_folder():
    paths = ["", "conditions", "conditions/knee-pain", "fees", "fees-2", "a/b", "a/b/c"]
    assert path_to_file("", paths) == Path("index.md")
    assert path_to_file("conditions", paths) == Path("conditions/index.md")
    assert path_to_file("conditions/knee-pain", paths) == Path("conditions/knee-pain.md")
    assert path_to_file("fees", paths) == Path("fees.md")  # "fees-2" is not inside it
    assert path_to_file("a/b", paths) == Path("a/b/index.md")
    assert path_to_file("a/b/c", paths) == Path("a/b/c.md")


def test_path_to_file_reads_the_database_by_default():
    Page.objects.all().delete()
    Page.objects.create(path="guides", title="Guides", summary=SUMMARY)
    assert path_to_file("guides") == Path("guides.md")
    Page.objects.create(path="guides/first", title="First", summary=SUMMARY)
    assert path_to_file("guides") == Path("guides/index.md")


def test_unchanged_files_are_not_rewritten(shipped, tmp_path):
    run("export_content", "--dir", str(tmp_path))
    old = 1_000_000_000
    for file in tmp_path.rglob("*.md"):
        os.utime(file, (old, old))

    out, _ = run("export_content", "--dir", str(tmp_path))
    assert out.strip() == f"0 written, {shipped + 1} unchanged"  # and bibliography.yaml
    assert {file.stat().st_mtime for file in tmp_path.rglob("*.md")} == {old}

    page = Page.objects.get(path="faqs")
    page.summary = "Changed in the admin: " + page.summary
    page.save()
    out, _ = run("export_content", "--dir", str(tmp_path))
    assert out.strip() == f"1 written, {shipped} unchanged"  # the rest and bibliography.yaml
    changed = {f.relative_to(tmp_path).as_posix() for f in tmp_path.rglob("*") if f.is_file()}
    assert changed == set(files(settings.CONTENT_DIR))  # no temp files left behind
    assert (tmp_path / "faqs.md").stat().st_mtime != old
    assert (tmp_path / "fees.md").stat().st_mtime == old


def test_files_are_never_deleted_and_stay_where_they_are(tmp_path):
    Page.objects.all().delete()
    Reference.objects.all().delete()  # no bibliography.yaml either
    Page.objects.create(path="guides", title="Guides", summary=SUMMARY)
    (tmp_path / "old-page.md").write_text("---\ntitle: Old\nsummary: S\n---\n")
    export_content(tmp_path)
    Page.objects.create(path="guides/first", title="First", summary=SUMMARY)

    out, err = run("export_content", "--dir", str(tmp_path))
    assert out.strip() == "1 written, 1 unchanged"
    assert "old-page.md matches no page" in err
    assert (tmp_path / "old-page.md").exists()
    # guides.md already exists: writing guides/index.md too would give /guides/ two files
    assert sorted(files(tmp_path)) == ["guides.md", "guides/first.md", "old-page.md"]


def test_dir_that_is_a_file_is_a_clear_error_and_a_missing_dir_is_created(tmp_path):
    (tmp_path / "file.md").write_text("not a folder")
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("export_content", "--dir", str(tmp_path / "file.md"))
    Page.objects.all().delete()
    Reference.objects.all().delete()
    Page.objects.create(path="", title="Home", summary=SUMMARY)
    run("export_content", "--dir", str(tmp_path / "new" / "content"))
    assert sorted(files(tmp_path / "new" / "content")) == ["index.md"]

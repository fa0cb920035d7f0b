"""load_content on small fake content trees: idempotent, conflict-safe, clear about bad files."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from reversion.models import Version

from pit_site.pagecache import content_version
from pit_site.pages.export import serialize
from pit_site.pages.models import Page

pytestmark = pytest.mark.django_db

PAGE = """---
title: {title}
summary: A page used by the tests, with a summary long enough to be real.
order: 5
---
Some **text** for {title}.
"""
CONDITION = """---
title: Knee pain
summary: How PIT is used for knee pain, and what the evidence says for the knee.
kind: condition
region: hip-and-knee
evidence: limited
---
## What is knee pain?

Pain in the knee.
"""


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "conditions").mkdir()
    (tmp_path / "index.md").write_text(PAGE.format(title="Home"))
    (tmp_path / "what-is-pit.md").write_text(PAGE.format(title="What is PIT"))
    (tmp_path / "conditions" / "knee-pain.md").write_text(CONDITION)
    return tmp_path


def load(tree, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command("load_content", "--dir", str(tree), *args, stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"CommandError: {error}")
    return out.getvalue(), err.getvalue()


def fresh_paths():
    return set(Page.objects.values_list("path", flat=True))


@pytest.fixture(autouse=True)
def empty_db():
    Page.objects.all().delete()


def test_first_load_creates_pages_at_paths_from_file_names(tree):
    out, err = load(tree)
    assert "3 created, 0 updated, 0 unchanged, 0 conflicts, 0 errors" in out
    assert err == ""
    assert fresh_paths() == {"", "what-is-pit", "conditions/knee-pain"}
    knee = Page.objects.get(path="conditions/knee-pain")
    assert (knee.kind, knee.region, knee.evidence) == ("condition", "hip-and-knee", "limited")
    assert '<h2 id="what-is-knee-pain">' in knee.body_html
    assert knee.reading_grade < 8


def test_second_load_is_idempotent(tree):
    load(tree)
    before = {p.path: (p.updated_at, p.body_html) for p in Page.objects.all()}
    out, _ = load(tree)
    assert "0 created, 0 updated, 3 unchanged" in out
    assert {p.path: (p.updated_at, p.body_html) for p in Page.objects.all()} == before


def test_changed_file_updates_the_page(tree):
    load(tree)
    (tree / "what-is-pit.md").write_text(PAGE.format(title="What is PIT, really"))
    out, _ = load(tree)
    assert "0 created, 1 updated, 2 unchanged" in out
    assert Page.objects.get(path="what-is-pit").title == "What is PIT, really"


def test_page_edited_in_database_is_a_conflict_and_kept_unless_forced(tree):
    load(tree)
    page = Page.objects.get(path="what-is-pit")
    page.body = "Edited by clinic staff."
    page.save()
    (tree / "what-is-pit.md").write_text(PAGE.format(title="Changed in the file too"))

    out, err = load(tree)
    assert "1 conflicts" in out
    assert "conflict: what-is-pit.md" in err and "--force" in err
    page.refresh_from_db()
    assert page.body == "Edited by clinic staff."

    out, _ = load(tree)  # still a conflict next time: nothing silently overwritten
    assert "1 conflicts" in out

    out, _ = load(tree, "--force")
    assert "1 updated" in out
    page.refresh_from_db()
    assert page.title == "Changed in the file too"
    assert "0 conflicts" in load(tree)[0]


def test_database_edit_with_unchanged_file_is_a_conflict_not_an_overwrite(tree):
    load(tree)
    page = Page.objects.get(path="")
    page.title = "Welcome"
    page.save()
    out, _ = load(tree)
    assert "1 conflicts" in out
    assert Page.objects.get(path="").title == "Welcome"


BAD_FILES = {
    "bad-yaml.md": ("---\ntitle: [unclosed\n---\nBody", "front matter is not valid YAML"),
    "no-front-matter.md": ("Just text, no front matter.", "front matter is missing"),
    "unknown-kind.md": (
        "---\ntitle: T\nsummary: S\nkind: blog\n---\n",
        "kind: Value 'blog' is not a valid choice. Use one of: page, faq, condition, section.",
    ),
    "unknown-key.md": ("---\ntitle: T\nsummary: S\ntitel: typo\n---\n", "unknown front matter"),
    "no-title.md": ("---\nsummary: S\n---\nBody", "title: This field cannot be blank."),
    "bad-date.md": ("---\ntitle: T\nsummary: S\nlast_reviewed: soon\n---\n", "YYYY-MM-DD"),
    "bad-order.md": ("---\ntitle: T\nsummary: S\norder: first\n---\n", "order must be a whole"),
    "list-title.md": ("---\ntitle: [a, b]\nsummary: S\n---\n", "title must be text"),
    "not-a-mapping.md": ("---\n- a\n- b\n---\nBody", "front matter"),
    "Bad Name.md": (PAGE.format(title="T"), "is not a valid URL part"),
    "admin.md": (PAGE.format(title="T"), "/admin/ is reserved"),
    "reviewer-no-date.md": (
        "---\ntitle: T\nsummary: S\nreviewer: Dr X\n---\n",
        "last_reviewed: Give the date of the review: a reviewer is named.",
    ),
    "long-title.md": (
        f"---\ntitle: {'x' * 201}\nsummary: S\n---\n",
        "title: Ensure this value has at most 200 characters (it has 201).",
    ),
    "conditions/no-region.md": (
        "---\ntitle: T\nsummary: S\nkind: condition\nevidence: some\n---\n",
        "region: Condition pages need a body region. Use one of: head-and-neck, shoulder-and-arm,",
    ),
    "region-on-page.md": (
        "---\ntitle: T\nsummary: S\nregion: hip-and-knee\n---\n",
        "region: Only condition pages have a body region; leave it empty.",
    ),
    "bad-status.md": (
        "---\ntitle: T\nsummary: S\nstatus: live\n---\n",
        "status: Value 'live' is not a valid choice. Use one of: draft, published.",
    ),
    "huge-order.md": (
        f"---\ntitle: T\nsummary: S\norder: {10**20}\n---\n",
        "order: Ensure this value is less than or equal to",
    ),
    "two-problems.md": (
        f"---\ntitle: T\nsummary: {'s' * 301}\nkind: condition\nregion: hip-and-knee\n---\n",
        "summary: Ensure this value has at most 300 characters (it has 301). evidence: Condition"
        " pages need an evidence level.",
    ),
}


def test_each_bad_file_gets_one_clear_line_and_the_rest_still_load(tree):
    for name, (text, _) in BAD_FILES.items():
        (tree / name).write_text(text)
    (tree / "nul.md").write_bytes(b"---\ntitle: T\nsummary: S\n---\nA\x00B")
    (tree / "latin1.md").write_bytes("---\ntitle: Caf\xe9\nsummary: S\n---\n".encode("latin-1"))
    (tree / "huge.md").write_text("---\ntitle: T\nsummary: S\n---\n" + "x" * 1_100_000)

    out, err = load(tree)
    assert fresh_paths() == {"", "what-is-pit", "conditions/knee-pain"}
    assert "3 created" in out and f"{len(BAD_FILES) + 3} errors" in out
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == len(BAD_FILES) + 3
    for name, (_, message) in BAD_FILES.items():
        assert any(line.startswith(f"error: {name}: ") and message in line for line in lines), name
    assert any(line.startswith("error: nul.md: file contains a NUL") for line in lines)
    assert any(line.startswith("error: latin1.md: file is not UTF-8") for line in lines)
    assert any(line.startswith("error: huge.md: file is larger than") for line in lines)
    assert "CommandError" in err  # a non-zero exit, so scripts notice


def test_duplicate_paths_are_refused_naming_both_files(tree):
    (tree / "faqs.md").write_text(PAGE.format(title="FAQs"))
    (tree / "faqs").mkdir()
    (tree / "faqs" / "index.md").write_text(PAGE.format(title="Other FAQs"))
    out, err = load(tree)
    assert "error: faqs/index.md: same URL /faqs/ as faqs.md" in err
    assert Page.objects.get(path="faqs").title == "FAQs"


def test_hostile_front_matter_and_body_are_stored_but_rendered_inert(tree, client):
    (tree / "hostile.md").write_text(
        "---\ntitle: \"<script>alert('t')</script> ' OR 1=1; DROP TABLE pages_page; --\"\n"
        'summary: "\\" onmouseover=alert(1) \\u202e {{ settings.SECRET_KEY }} {% debug %}"\n'
        "---\n<img src=x onerror=alert(1)> {{ settings.SECRET_KEY }}\n"
    )
    load(tree)
    page = Page.objects.get(path="hostile")
    assert page.title.startswith("<script>")  # stored exactly as written
    html = client.get("/hostile/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "onerror" not in html
    assert 'content="&quot; onmouseover=alert(1)' in html
    assert "{{ settings.SECRET_KEY }}" in html  # shown as text, never evaluated
    assert Page.objects.count() == 4


def test_menu_keys_load_and_must_be_true_or_false(tree):
    text = PAGE.format(title="Fees").replace("order: 5\n", "order: 5\nheader_menu: true\n")
    (tree / "fees.md").write_text(text)
    (tree / "about.md").write_text(text.replace("header_menu: true", "footer_menu: maybe"))
    _out, err = load(tree)
    assert "about.md: footer_menu must be true or false, not 'maybe'" in err
    fees = Page.objects.get(path="fees")
    assert fees.header_menu and not fees.footer_menu


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("load_content", "--dir", str(tmp_path / "nope"))


def test_review_dates_default_to_one_year(tree):
    (tree / "reviewed.md").write_text(
        "---\ntitle: T\nsummary: S\nlast_reviewed: 2024-02-29\nreviewer: Dr A\n---\n"
    )
    load(tree)
    page = Page.objects.get(path="reviewed")
    assert str(page.next_review_due) == "2025-02-28"


def test_render_pages_refreshes_stale_html_and_keeps_edit_times(tree):
    load(tree)
    page = Page.objects.get(path="what-is-pit")
    Page.objects.filter(pk=page.pk).update(body_html="<p>rendered by an older version</p>")
    out = StringIO()
    call_command("render_pages", stdout=out)
    assert "1 page re-rendered" in out.getvalue()
    fresh = Page.objects.get(pk=page.pk)
    assert "<strong>text</strong>" in fresh.body_html
    assert fresh.updated_at == page.updated_at
    call_command("render_pages", stdout=(out := StringIO()))
    assert "0 pages re-rendered" in out.getvalue()


def test_render_pages_keeps_a_page_the_renderer_now_refuses_and_says_so(tree):
    load(tree)
    page = Page.objects.get(path="what-is-pit")
    # Saved before today's limits: update() skips the renderer, as an old version would.
    Page.objects.filter(pk=page.pk).update(body="- " * 500 + "x", body_html="<p>old HTML</p>")
    out, err = StringIO(), StringIO()
    call_command("render_pages", stdout=out, stderr=err)
    assert err.getvalue().startswith("kept the stored HTML of /what-is-pit/: This text nests")
    assert Page.objects.get(pk=page.pk).body_html == "<p>old HTML</p>"  # still served
    assert "re-rendered" in out.getvalue()


def review(path):
    """What "Mark selected pages reviewed today by me" does to a page."""
    page = Page.objects.get(path=path)
    page.last_reviewed = datetime.date(2026, 11, 2)
    page.reviewer = "Dr Rita Reviewer"
    page.save()


def test_a_review_survives_export_and_load_elsewhere_then_a_load_of_the_first_folder(
    tree, tmp_path_factory
):
    """Issue 15.1: the review was undone by a plain load after exporting and loading a copy."""
    load(tree)
    review("what-is-pit")
    copy = tmp_path_factory.mktemp("copy")
    call_command("export_content", "--dir", str(copy), stdout=StringIO())
    assert "0 updated, 3 unchanged, 0 conflicts" in load(copy)[0]

    out, err = load(tree)
    assert "0 updated, 2 unchanged, 1 conflicts" in out
    assert "conflict: what-is-pit.md" in err
    assert Page.objects.get(path="what-is-pit").reviewer == "Dr Rita Reviewer"
    assert "1 conflicts" in load(tree)[0]  # and the next time too


def test_an_unchanged_load_of_a_folder_that_matches_the_database_keeps_the_conflict(
    tree, tmp_path_factory
):
    load(tree)
    review("what-is-pit")
    same = tmp_path_factory.mktemp("same")
    page = Page.objects.get(path="what-is-pit")
    (same / "what-is-pit.md").write_text(serialize(page))  # written by hand, not exported
    assert "1 unchanged" in load(same)[0]
    assert "1 conflicts" in load(tree)[0]
    assert Page.objects.get(path="what-is-pit").reviewer == "Dr Rita Reviewer"


def test_an_edit_exported_to_the_folder_and_then_changed_in_the_file_loads_without_conflict(
    tree,
):
    load(tree)
    review("what-is-pit")
    call_command("export_content", "--dir", str(tree), stdout=StringIO())
    file = tree / "what-is-pit.md"
    file.write_text(file.read_text().replace("Some **text**", "Some new **text**"))
    out, err = load(tree)
    assert "1 updated, 2 unchanged, 0 conflicts" in out and err == ""
    page = Page.objects.get(path="what-is-pit")
    assert "Some new" in page.body and page.reviewer == "Dr Rita Reviewer"


def test_a_page_last_written_by_a_load_is_updated_from_any_folder(tree, tmp_path_factory):
    load(tree)
    other = tmp_path_factory.mktemp("other")
    (other / "what-is-pit.md").write_text(PAGE.format(title="What is PIT, from another copy"))
    assert "1 updated" in load(other)[0]  # nothing was changed in the database
    (tree / "what-is-pit.md").write_text(PAGE.format(title="What is PIT, edited"))
    assert "1 updated" in load(tree)[0]
    review("what-is-pit")
    for folder in (tree, other):  # an edit made in the database is kept whatever the folder
        (folder / "what-is-pit.md").write_text(PAGE.format(title="Changed again"))
        assert "1 conflicts" in load(folder)[0]
    assert Page.objects.get(path="what-is-pit").reviewer == "Dr Rita Reviewer"
    assert "1 updated" in load(other, "--force")[0]
    assert Page.objects.get(path="what-is-pit").reviewer == ""


def test_the_history_names_the_folder_that_was_loaded(tree, tmp_path_factory):
    load(tree)
    other = tmp_path_factory.mktemp("other")
    (other / "what-is-pit.md").write_text(PAGE.format(title="Another title"))
    load(other)
    page = Page.objects.get(path="what-is-pit")
    comments = [v.revision.comment for v in Version.objects.get_for_object(page)]
    assert comments == [
        f"Loaded from {other / 'what-is-pit.md'}",
        f"Loaded from {tree / 'what-is-pit.md'}",
    ]


def test_reverting_a_page_in_the_admin_is_a_change_the_next_load_keeps(tree):
    """The fingerprint lives outside the page's history, so a revert cannot restore it."""
    load(tree)
    (tree / "what-is-pit.md").write_text(PAGE.format(title="Second title"))
    load(tree)
    page = Page.objects.get(path="what-is-pit")
    Version.objects.get_for_object(page).last().revert()  # back to the first load
    assert Page.objects.get(path="what-is-pit").title == "What is PIT"
    (tree / "what-is-pit.md").write_text(PAGE.format(title="Third title"))
    assert "1 conflicts" in load(tree)[0]
    assert Page.objects.get(path="what-is-pit").title == "What is PIT"


def test_render_pages_empties_the_page_cache_even_when_no_page_changed(tree):
    # After an upgrade that changed only templates or styles, cached pages must not keep the
    # old ones: the deployment guide runs render_pages on every upgrade.
    load(tree)
    call_command("render_pages", stdout=StringIO())
    before = content_version()
    call_command("render_pages", stdout=(out := StringIO()))
    assert "0 pages re-rendered" in out.getvalue()
    assert content_version() != before

"""export_content --prune: files of pages deleted or moved in the admin are removed."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pit_site.pages.models import Page
from pit_site.references.models import Reference

pytestmark = pytest.mark.django_db

SUMMARY = "A page used by the tests, with a summary long enough to be a real one."


def export(root, *args):
    out, err = StringIO(), StringIO()
    call_command("export_content", "--dir", str(root), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def files(root):
    return sorted(f.relative_to(root).as_posix() for f in Path(root).rglob("*") if f.is_file())


@pytest.fixture
def exported(tmp_path):
    """Three pages exported to tmp_path, plus a non-page Markdown file (no bibliography)."""
    Page.objects.all().delete()
    Reference.objects.all().delete()
    for path in ["fees", "guides", "guides/first"]:
        Page.objects.create(path=path, title=path, summary=SUMMARY, status="published")
    export(tmp_path)
    (tmp_path / "NOTES.md").write_text("Notes for the team, not a page.\n")
    assert files(tmp_path) == ["NOTES.md", "fees.md", "guides/first.md", "guides/index.md"]
    return tmp_path


def test_without_prune_a_deleted_page_file_is_kept_with_a_note(exported):
    Page.objects.filter(path="fees").delete()
    out, err = export(exported)
    assert out.strip() == "0 written, 2 unchanged"
    assert "note: fees.md matches no page in the database; left in place" in err
    assert "--prune removes it" in err
    assert "fees.md" in files(exported)


def test_prune_removes_files_of_deleted_and_moved_pages_and_says_so(exported):
    Page.objects.filter(path="fees").delete()
    Page.objects.filter(path="guides/first").update(path="guides/getting-started")
    out, err = export(exported, "--prune")
    assert "removed: fees.md" in out and "removed: guides/first.md" in out
    assert out.strip().endswith("1 written, 1 unchanged, 2 removed")
    assert files(exported) == ["NOTES.md", "guides/getting-started.md", "guides/index.md"]
    assert "note: NOTES.md matches no page" in err  # not a page's file: never deleted

    (exported / "NOTES.md").unlink()  # the next load brings back only the pages that exist
    Page.objects.all().delete()
    call_command("load_content", "--dir", str(exported), stdout=StringIO(), stderr=StringIO())
    assert set(Page.objects.values_list("path", flat=True)) == {"guides", "guides/getting-started"}


def test_prune_removes_a_folder_it_empties(exported):
    Page.objects.filter(path__startswith="guides").delete()
    out, _ = export(exported, "--prune")
    assert "2 removed" in out
    assert files(exported) == ["NOTES.md", "fees.md"]
    assert not (exported / "guides").exists()


def test_prune_with_an_empty_database_refuses_and_deletes_nothing(exported):
    Page.objects.all().delete()
    with pytest.raises(CommandError, match="no pages"):
        export(exported, "--prune")
    assert len(files(exported)) == 4

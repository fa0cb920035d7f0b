"""manage.py check_content: what a writer runs before committing content/."""

from io import StringIO

from django.core.management import CommandError, call_command

from pit_site.pages import rendering


def check(directory=None):
    out, err = StringIO(), StringIO()
    args = ["--dir", str(directory)] if directory else []
    try:
        call_command("check_content", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def test_the_shipped_content_passes_with_a_grade_for_every_page(content_dir):
    out, err, failed = check()
    assert failed is None and err == ""
    rows = out.splitlines()[1:]
    assert len(rows) == len(list(content_dir.rglob("*.md")))
    assert any(row.startswith("/faqs ") for row in rows)


def test_bad_files_are_each_named_and_the_rest_still_checked(tmp_path):
    page = "---\ntitle: {title}\nsummary: A short summary of the page.\n---\n\n{body}\n"
    (tmp_path / "deep.md").write_text(page.format(title="Deep", body="- " * 500 + "x"))
    (tmp_path / "claims.md").write_text(
        page.format(title="Claims", body="PIT will cure your pain. It is completely safe.")
    )
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nText\n")
    (tmp_path / "fine.md").write_text(page.format(title="Fine", body="You can ask us anything."))
    out, err, failed = check(tmp_path)
    assert failed is not None and "problem" in failed
    assert f"error: deep.md: {rendering.TOO_DEEP}" in err
    assert "broken.md" in err
    assert err.count("claims.md") >= 2  # "cure" and "completely safe"
    assert "/fine " in out

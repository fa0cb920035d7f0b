"""content/bibliography.yaml: loaded with the pages, exported byte for byte, bad entries named."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from pit_site.references.bibliography import FILE_NAME, file_values, parse_bibliography
from pit_site.references.models import Reference
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

GOOD = "- key: smith2020\n  study_type: pilot\n  authors: Smith A\n  title: A pilot\n  url: https://example.org/\n"


def run(command, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue() + str(error)
    return out.getvalue(), err.getvalue()


def test_an_admin_edit_is_exported_and_loads_back_exactly(client, editor, tmp_path):
    ref = Reference.objects.get(key="oh2025")
    data = {name: value or "" for name, value in file_values(ref).items()}
    data["finding"] = 'Dextrose helped a little more: "short term", with 50% fewer… side effects'
    sign_in(client, editor)
    response = client.post(f"/admin/references/reference/{ref.pk}/change/", data)
    assert response.status_code == 302
    run("export_content", "--dir", str(tmp_path))
    text = (tmp_path / FILE_NAME).read_text(encoding="utf-8")
    before = {r.key: file_values(r) for r in Reference.objects.all()}
    Reference.objects.all().delete()
    out, err = run("load_content", "--dir", str(tmp_path))
    assert err == "" and f"references: {len(before)} created" in out
    assert {r.key: file_values(r) for r in Reference.objects.all()} == before
    run("export_content", "--dir", str(tmp_path))
    assert (tmp_path / FILE_NAME).read_text(encoding="utf-8") == text


def test_a_reference_edited_in_the_admin_is_a_conflict_until_forced():
    Reference.objects.filter(key="wu2017").update(finding="Edited in the admin")
    out, err = run("load_content")
    assert "conflict: bibliography.yaml: wu2017" in err
    assert Reference.objects.get(key="wu2017").finding == "Edited in the admin"
    run("load_content", "--force")
    assert Reference.objects.get(key="wu2017").finding != "Edited in the admin"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key: [unclosed", "not valid YAML (line 1)"),
        ("just text", "must be a list of references"),
        ("- 42", "entry 1: must be a mapping"),
        (GOOD + "  colour: red\n", "smith2020: unknown field: colour"),
        (GOOD + GOOD, "smith2020: the same key is used twice"),
        (GOOD.replace("smith2020", "Smith 2020!"), "key: Lower-case letters"),
        (GOOD + "  year: soon\n", "year must be a whole number"),
        (GOOD + "  last_checked: yesterday\n", "last_checked must be a date"),
        (GOOD + "  doi: doi.org/10.1/x\n", 'doi: A DOI starts with "10."'),
        (GOOD.replace("https://example.org/", "javascript:alert(1)"), "url: Give a web address"),
        (GOOD.replace("https://example.org/", "https://e.org/" + "x" * 3000), "url: Ensure"),
        (GOOD.replace("A pilot", '"A\\nsecond line"'), "title: Remove the line break"),
        (GOOD.replace("  url: https://example.org/\n", ""), "Give at least one of: DOI"),
        (GOOD.replace("Smith A", "<script>Ünïcödé‮</script>") + "  pmid: 12a\n", "pmid: Digits"),
    ],
)
def test_bad_entries_are_named_with_what_is_wrong(text, message):
    references, errors = parse_bibliography(text)
    assert len(references) == (1 if text == GOOD + GOOD else 0)  # the first of a pair loads
    assert message in " ".join(f"{where}: {why}" for where, why in errors)


def test_load_content_reports_a_bad_bibliography_and_loads_the_rest(tmp_path):
    (tmp_path / FILE_NAME).write_text(GOOD + "- key: bad\n  study_type: nonsense\n")
    out, err = run("load_content", "--dir", str(tmp_path))
    assert "error: bibliography.yaml: bad: study_type:" in err
    assert "1 file could not be loaded" in err
    assert Reference.objects.filter(key="smith2020").exists()


def test_the_shipped_register_gives_every_cited_source_a_title_and_an_identifier():
    references, errors = parse_bibliography(
        (settings.CONTENT_DIR / FILE_NAME).read_text(encoding="utf-8")
    )
    assert errors == []
    for ref in references:
        assert ref.title and ref.links() and ref.finding and ref.last_checked, ref.key

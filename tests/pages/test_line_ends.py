"""One newline normaliser: a content file with Windows or old Mac line ends, a mix, or a byte
order mark loads as the same page as the plain file and exports back as that file, byte for
byte; the admin saves the same text, and the preview shows it the same."""

from io import StringIO
from itertools import cycle
from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from pit_site.pages.content import parse_file
from pit_site.pages.export import export_content
from pit_site.pages.models import Page
from tests.conftest import sign_in
from tests.pages.test_page_admin import form_data

pytestmark = pytest.mark.django_db

BODY = "## First\n\nOne line.\nNext line.\n\n- a list\n- of two\n\n> a quote\n> on two lines"
# What export writes for the page: the canonical form of the file.
PLAIN = (
    "---\ntitle: Line ends\n"
    "summary: A page used by the tests, with a summary long enough to be a real one.\n"
    "kind: page\norder: 5\nreview: awaiting clinical review\n---\n\n" + BODY + "\n"
)


def mixed(text):
    """``text`` with its line ends taken in turn from Windows, old Mac and Unix ones."""
    ends = cycle(["\r\n", "\r", "\n"])
    return "".join(line + next(ends) for line in text.split("\n")[:-1])


VARIANTS = {
    "windows": PLAIN.replace("\n", "\r\n"),
    "old-mac": PLAIN.replace("\n", "\r"),
    "mixed": mixed(PLAIN),
    "byte-order-mark": "\ufeff" + PLAIN,
    "byte-order-mark-and-windows": "\ufeff" + PLAIN.replace("\n", "\r\n"),
}


def load(root):
    out, err = StringIO(), StringIO()
    call_command("load_content", "--dir", str(root), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue().strip()


@pytest.fixture(autouse=True)
def empty_db():
    Page.objects.all().delete()


def test_the_variants_really_differ_from_the_plain_file():
    assert len({text.encode() for text in VARIANTS.values()} | {PLAIN.encode()}) == 6
    assert "\r" in VARIANTS["mixed"] and "\r\n" in VARIANTS["mixed"]
    assert "\n" not in VARIANTS["old-mac"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_file_with_other_line_ends_loads_and_exports_as_the_plain_file(variant, tmp_path):
    source, out = tmp_path / "source", tmp_path / "out"
    source.mkdir()
    (source / "line-ends.md").write_bytes(VARIANTS[variant].encode())
    plain = tmp_path / "plain.md"
    plain.write_bytes(PLAIN.encode())
    assert parse_file(source / "line-ends.md", source) == {
        **parse_file(plain, tmp_path),
        "path": "line-ends",
    }

    assert load(source) == "1 created, 0 updated, 0 unchanged, 0 conflicts, 0 errors"
    assert Page.objects.get(path="line-ends").body == BODY
    export_content(out)
    assert (out / "line-ends.md").read_bytes() == PLAIN.encode()

    # Exported over the file itself: rewritten once in the plain form, and no conflict after.
    export_content(source)
    assert (source / "line-ends.md").read_bytes() == PLAIN.encode()
    assert load(source) == "0 created, 0 updated, 1 unchanged, 0 conflicts, 0 errors"


@pytest.mark.parametrize("end", ["\r\n", "\r", "mixed"])
def test_the_admin_saves_the_text_the_file_gave(end, tmp_path, client, editor):
    (tmp_path / "line-ends.md").write_bytes(PLAIN.encode())
    load(tmp_path)
    page = Page.objects.get(path="line-ends")
    body = mixed(BODY + "\n") if end == "mixed" else BODY.replace("\n", end)
    sign_in(client, editor)
    response = client.post(
        f"/admin/pages/page/{page.pk}/change/",
        urlencode(form_data(page, body=body)),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert Page.objects.get(pk=page.pk).body == BODY
    # The same text as the file, so the next load finds nothing changed on either side.
    assert load(tmp_path) == "0 created, 0 updated, 1 unchanged, 0 conflicts, 0 errors"


def test_a_lone_carriage_return_saved_in_the_database_exports_and_loads_back_unchanged(tmp_path):
    """Its fingerprint is the exported file's: a later load sees no change, not an update."""
    page = Page.objects.create(
        path="old", title="Old", summary="Saved long ago.", body="One line.\rNext line."
    )
    export_content(tmp_path)
    assert b"One line.\nNext line.\n" in (tmp_path / "old.md").read_bytes()
    assert load(tmp_path) == "0 created, 0 updated, 1 unchanged, 0 conflicts, 0 errors"
    assert Page.objects.get(pk=page.pk).body == "One line.\rNext line."  # never rewritten


@pytest.mark.parametrize("end", ["\r\n", "\r"])
def test_the_preview_shows_any_line_ends_as_the_page_does(end, editor_client):
    plain = editor_client.post("/editor/preview/", {"content": BODY})
    other = editor_client.post("/editor/preview/", {"content": BODY.replace("\n", end)})
    assert other.status_code == plain.status_code == 200
    assert other.content == plain.content
    assert b"<li>of two</li>" in plain.content

"""Markdown the renderer refuses rather than recursing or working for minutes: deep nesting,
thousands of unclosed brackets or tags, very long runs of lines, over-long pages. Each is a
clear message in the preview, in the admin form and from load_content, never a 500."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pit_site.pages import rendering
from pit_site.pages.models import Kind, Page
from pit_site.pages.rendering import MAX_BODY_CHARS, RenderError, render_markdown
from tests.pages.test_page_admin import change_url, form_data

pytestmark = pytest.mark.django_db

TOO_DEEP = "nests lists or quotes too deeply"
# Text that used to raise RecursionError in Python-Markdown, or took seconds to minutes.
REFUSED = [
    ("- " * 500 + "x", TOO_DEEP),
    ("* " * 500 + "x", TOO_DEEP),
    ("1. " * 500 + "x", TOO_DEEP),
    ("> " * 100 + "x", TOO_DEEP),
    ("[" * 4_000, "[ or ( brackets that are never closed"),
    ("[a](" * 4_000, "[ or ( brackets that are never closed"),
    ("[a][" * 4_000, "[ or ( brackets that are never closed"),
    ("\n".join(["[" * 20] * 1_000), "[ or ( brackets that are never closed"),
    ("x <a " * 1_500, "< signs that are never closed"),
    ("<b>" * 2_001, "more than 2,000 HTML tags"),
    ("a\n=\n" * 4_000, "too many lines in a row"),
    ("#\n" * 8_000, "too many lines in a row"),
    ("x" * (MAX_BODY_CHARS + 1), f"up to {MAX_BODY_CHARS:,} characters"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_pathological_markdown_is_refused_with_a_message(text, message):
    with pytest.raises(RenderError, match=message.replace("[", r"\[").replace("(", r"\(")):
        render_markdown(text)


def test_a_real_recursion_error_becomes_the_nesting_message(monkeypatch):
    def recurse(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr("pit_site.pages.rendering.markdown.markdown", recurse)
    with pytest.raises(RenderError, match=TOO_DEEP):
        rendering.render_in_process("- x")  # what the render_pool worker runs


@pytest.mark.parametrize(
    "text",
    [
        "> > - quoted, nested\n> > - list\n\n" + "> " * 20 + "twenty levels",
        "See [the NHS page](https://www.nhs.uk/) (and [^1]).\n\n[^1]: A reference.",
        "Prices (from £80 [per visit]) [are] set [by] the clinic. " * 400,
        "Pain < 3 out of 10, <https://example.org> and a <b>tag</b>.\n\n" * 200,
        "\n".join(f"- item {n} [link](/x/)" for n in range(1_000)),
    ],
)
def test_ordinary_text_well_within_the_limits_renders(text):
    assert render_markdown(text)


def test_every_shipped_page_is_within_the_limits():
    for page in Page.objects.all():
        assert render_markdown(page.body, faq=page.kind == Kind.FAQ) == page.body_html, page.path


def test_preview_answers_400_with_the_message(editor_client):
    response = editor_client.post("/editor/preview/", {"content": "- " * 500 + "x"})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert html.startswith('<p class="errornote">Preview not shown: This text nests lists')
    response = editor_client.post("/editor/preview/", {"content": "[a](" * 4_000})
    assert response.status_code == 400 and "never closed" in response.content.decode()


def test_admin_form_shows_a_field_error_and_keeps_the_page(editor_client):
    knee = Page.objects.get(path="conditions/knee-pain")
    for body in ["- " * 500 + "x", "[" * 4_000]:
        response = editor_client.post(change_url(knee), form_data(knee, body=body))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["body"]
        assert errors[0].startswith("This text ")
    knee.refresh_from_db()
    assert knee.body == Page.objects.get(path="conditions/knee-pain").body
    assert "- - -" not in knee.body


def test_load_content_reports_the_file_and_loads_the_rest(tmp_path):
    (tmp_path / "deep.md").write_text(
        "---\ntitle: Deep\nsummary: A page nested far too deeply.\n---\n\n" + "- " * 500 + "x\n"
    )
    (tmp_path / "fine.md").write_text("---\ntitle: Fine\nsummary: A fine page.\n---\n\nHello.\n")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("load_content", "--dir", str(tmp_path), stdout=out, stderr=err)
    assert err.getvalue().strip() == f"error: deep.md: {rendering.TOO_DEEP}"
    assert Page.objects.filter(path="fine").exists() and not Page.objects.filter(path="deep")

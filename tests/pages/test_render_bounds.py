"""Any text up to the page limit renders, or is refused with a message, within the CPU limit.

The linear checks in rendering.check_complexity catch the patterns found so far; render_pool
stops any render that uses more than its CPU limit, and rendering turns any exception from
Python-Markdown into a RenderError. Generated Markdown (hypothesis) mixes the constructs that
have caused trouble, repeated up to the page size.
"""

from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pit_site.pages import render_pool
from pit_site.pages.models import Page
from pit_site.pages.rendering import MAX_BODY_CHARS, TOO_SLOW, RenderError, render_markdown

# Found through /editor/preview/ (issue 15.3): 59 s and 43 s of CPU, and an AttributeError.
SLOW = ["[^a]: r\n\n" + "x[^a] " * 6000, "``a`" * 12250]
EMPTY_FOOTNOTE = "Some text.\n\n[^note]:"


@pytest.fixture
def quick_limit(monkeypatch):
    """A lower CPU limit, so refusing the slow inputs takes the tests a fraction of a second."""
    monkeypatch.setattr(render_pool, "CPU_SECONDS", 0.3)


@pytest.mark.parametrize("text", SLOW, ids=["footnote-cited-6000-times", "backtick-runs"])
def test_text_that_takes_too_long_is_stopped_with_a_message(quick_limit, text):
    with pytest.raises(RenderError) as refused:
        render_markdown(text)
    assert str(refused.value) == TOO_SLOW
    assert "simplify it" in TOO_SLOW
    assert render_markdown("*Still* working.") == "<p><em>Still</em> working.</p>"


def test_an_empty_footnote_is_a_message_naming_it_not_an_exception():
    with pytest.raises(RenderError, match=r"The reference \[\^note\] has no text"):
        render_markdown(EMPTY_FOOTNOTE)
    # With its text written, the same page renders.
    assert 'id="fn-note"' in render_markdown("Text[^note].\n\n[^note]: The reference.")


@pytest.mark.django_db
@pytest.mark.parametrize("text", [*SLOW, EMPTY_FOOTNOTE])
def test_preview_and_save_answer_with_the_message_not_a_500(quick_limit, editor_client, text):
    response = editor_client.post("/editor/preview/", {"content": text})
    assert response.status_code == 400
    assert response.content.decode().startswith('<p class="errornote">Preview not shown: ')

    knee = Page.objects.get(path="conditions/knee-pain")
    data = {
        "path": knee.path, "title": knee.title, "summary": knee.summary, "kind": knee.kind,
        "status": knee.status, "order": knee.order, "region": knee.region,
        "evidence": knee.evidence, "body": text,
    }  # fmt: skip
    response = editor_client.post(f"/admin/pages/page/{knee.pk}/change/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"]
    assert Page.objects.get(pk=knee.pk).body == knee.body


@pytest.mark.django_db
def test_load_content_names_the_slow_file_and_loads_the_rest(quick_limit, tmp_path):
    front = "---\ntitle: {0}\nsummary: A page for the tests.\n---\n\n"
    (tmp_path / "slow.md").write_text(front.format("Slow") + SLOW[1])
    (tmp_path / "fine.md").write_text(front.format("Fine") + "Hello.")
    err = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("load_content", "--dir", str(tmp_path), stdout=StringIO(), stderr=err)
    assert err.getvalue().strip() == f"error: slow.md: {TOO_SLOW}"
    assert Page.objects.filter(path="fine").exists() and not Page.objects.filter(path="slow")


def test_renders_from_several_threads_at_once_all_arrive():
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    texts = [f"## Part {n}\n\n" + f"Line {n}. " * (n * 50) for n in range(1, 13)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(render_markdown, texts))
    for n, html in enumerate(results, start=1):
        assert html.startswith(f'<h2 id="part-{n}">Part {n}</h2>') and f"Line {n}." in html


# Pieces of the Markdown constructs the page format allows, and of ones that go wrong.
INLINE = st.sampled_from([
    "word ", "two words ", "*", "**", "_", "__", "`", "``", "```", "[", "]", "(", ")", "[^a]",
    "[^b]", "[^a]:", "<b>", "</b>", "<a href=\"x\">", "<", ">", "&", "&amp;", "\\", "![", "](",
    "](/x/)", "https://a.example", "<https://a.example>", "|", "~", "{", "}", ":", '"', "'",
    "\t", " ", "  \n", "HTML", "*[HTML]: ", "<!--", "-->", "<div>", "</div>", "<script>",
])  # fmt: skip
LINE_START = st.sampled_from([
    "", "> ", "> > ", "- ", "* ", "+ ", "1. ", "    ", "\t", "# ", "## ", "### ", "| ", "|---|",
    "[^a]: ", "[^b]:", "```", "~~~", "*[HTML]: ", ": ", "---", "===", "<div markdown>", "  - ",
])  # fmt: skip
LINE = st.tuples(LINE_START, st.lists(INLINE, max_size=12)).map(lambda t: t[0] + "".join(t[1]))
BLOCK = st.lists(LINE, min_size=1, max_size=6).map("\n".join)
# A block repeated many times reaches the page size limit, where quadratic work shows.
REPEATED = st.tuples(BLOCK, st.integers(1, 4_000), st.sampled_from(["", "\n", "\n\n", " "]))
MARKDOWN = st.lists(
    st.one_of(BLOCK, REPEATED.map(lambda t: (t[0] + t[2]) * t[1])), min_size=1, max_size=8
).map(lambda blocks: "\n\n".join(blocks)[:MAX_BODY_CHARS])


@settings(
    max_examples=120,
    deadline=None,  # the bound is the renderer's CPU limit, not a time asserted here
    derandomize=True,  # the same examples every run; scripts/measure_render.py explores more
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=MARKDOWN, faq=st.booleans())
def test_generated_markdown_renders_safely_or_is_refused_with_a_message(text, faq):
    try:
        html = render_markdown(text, faq=faq)
    except RenderError as error:
        assert str(error).strip()
        return
    doc = BeautifulSoup(html, "html.parser")
    for tag in doc.find_all(True):
        assert tag.name not in {"script", "style", "iframe"}
        assert not [name for name in tag.attrs if name.startswith("on")]

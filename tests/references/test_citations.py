"""Pages cite the register by key: numbered links, one Vancouver reference list, clear errors."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from pit_site.pagecache import VERSION_KEY
from pit_site.pages.models import Page
from pit_site.pages.rendering import RenderError, render_markdown
from pit_site.references.bibliography import FILE_FIELDS
from pit_site.references.citations import vancouver
from pit_site.references.models import Reference
from tests.conftest import make_staff, sign_in, soup
from tests.pages.test_page_admin import change_url, form_data

pytestmark = pytest.mark.django_db


def test_citations_become_numbered_links_to_one_vancouver_list():
    html = soup_of("Small trials.[@wu2017] Saline too.[@hydro2019; @wu2017] Again.[@lin2020]")
    numbers = [a.get_text() for a in html.select("a.footnote-ref")]
    assert numbers == ["1", "2", "1", "3"]  # in order of first use, a repeat keeps its number
    items = html.select(".footnote li")
    assert [li["id"] for li in items] == ["fn-wu2017", "fn-hydro2019", "fn-lin2020"]
    assert html.select_one(".footnote h2").get_text() == "References"
    wu = items[0].get_text(" ", strip=True)
    assert wu.startswith("Wu YT, Ho TY, Chou YC, et al. Six-month efficacy of perineural")
    assert "Mayo Clin Proc. 2017;92(8):1179-1189." in wu
    links = {a.get_text(): a["href"] for a in items[0].select("a[href^='http']")}
    assert links["10.1016/j.mayocp.2017.05.025"] == "https://doi.org/10.1016/j.mayocp.2017.05.025"
    assert links["28778254"] == "https://pubmed.ncbi.nlm.nih.gov/28778254/"


def test_the_same_reference_reads_the_same_on_every_page():
    knee = Page.objects.get(path="conditions/knee-pain")
    evidence = Page.objects.get(path="evidence")
    texts = []
    for page in (knee, evidence):
        item = soup_html(page.body_html).select_one("#fn-conaway2020")
        for backlink in item.select(".footnote-backref"):  # one per citation on the page
            backlink.decompose()
        texts.append(item.get_text(" ", strip=True))
    assert texts[0] == texts[1]
    assert "Scholar: Pilot and Validation Studies. 2020;1(1):4-10." in texts[0]


def test_a_source_without_doi_or_pubmed_links_its_web_address():
    ref = Reference.objects.get(key="cleveland")
    assert "[date unknown]" in vancouver(ref)
    html = soup_of("A hospital says so.[@cleveland]")
    link = html.select_one("#fn-cleveland a[href^='http']")
    assert link["href"] == "https://my.clevelandclinic.org/health/treatments/22426-prolotherapy"


def test_an_unknown_key_is_an_error_naming_it():
    with pytest.raises(RenderError, match=r"no reference \[@smith1999\] in the register"):
        render_markdown("A claim.[@smith1999]")


@pytest.mark.parametrize(
    "text",
    ["[@Wu2017]", "[@wu 2017]", "[@<script>]", "[@wu2017;; @lin2020]", "[@" + "x" * 300 + "]"],
)
def test_a_malformed_citation_is_a_clear_error(text):
    try:
        render_markdown(f"Text {text} more.")
    except RenderError as error:
        assert "citation" in str(error) or "no reference" in str(error)
    else:  # too long to be a citation at all: plain text, shown as written
        assert len(text) > 300


def test_register_text_cannot_inject_markup():
    Reference.objects.create(
        key="hostile",
        study_type="other",
        authors="<script>alert(1)</script> *bold* [x](javascript:alert(1))",
        title="Ünïcödé \u202e title ‮ <img src=x onerror=alert(1)>",
        url="https://example.org/a b<c>",
    )
    html = soup_html(render_markdown("Cited.[@hostile]"))
    assert not html.select("script, img, strong, [onerror]")
    assert not [a for a in html.select("a") if "javascript" in a.get("href", "")]
    item = html.select_one("#fn-hostile").get_text()
    assert "<script>alert(1)</script> *bold*" in item  # shown as text, not run


def test_a_page_cannot_define_a_register_key_itself():
    with pytest.raises(RenderError, match=r"Remove the \[\^wu2017\]: line"):
        render_markdown("Text.[@wu2017]\n\n[^wu2017]: My own version.")


def test_load_content_names_the_page_and_the_key(tmp_path):
    (tmp_path / "bibliography.yaml").write_text(
        "- key: smith2020\n  study_type: pilot\n  authors: Smith A\n  title: A pilot\n"
        "  url: https://example.org/\n"
    )
    body = "---\ntitle: Cites\nsummary: A page that cites the register in the tests.\n---\n\n"
    (tmp_path / "good.md").write_text(body + "Text.[@smith2020]\n")
    (tmp_path / "bad.md").write_text(body + "Text.[@nobody2020]\n")
    err = StringIO()
    with pytest.raises(CommandError, match="1 file could not be loaded"):
        call_command("load_content", "--dir", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "bad.md: There is no reference [@nobody2020]" in err.getvalue()
    assert "Smith A. A pilot." in Page.objects.get(path="good").body_html


def test_the_admin_form_and_the_preview_refuse_an_unknown_key(editor_client):
    knee = Page.objects.get(path="conditions/knee-pain")
    data = form_data(knee, body=knee.body + "\n\nNew claim.[@made-up2024]")
    response = editor_client.post(change_url(knee), data)
    assert response.status_code == 200
    assert "no reference [@made-up2024] in the register" in response.content.decode()
    response = editor_client.post("/editor/preview/", {"content": "Claim.[@made-up2024]"})
    assert response.status_code == 400
    assert "no reference [@made-up2024]" in response.content.decode()


def test_editing_a_reference_rerenders_the_pages_citing_it_and_empties_the_cache(
    editor_client,
):
    before = cache.get(VERSION_KEY)
    ref = Reference.objects.get(key="conaway2020")
    data = {f: getattr(ref, f) or "" for f in EDITABLE}
    data["title"] = "A corrected title for the pilot"
    response = editor_client.post(f"/admin/references/reference/{ref.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    for path in ["conditions/plantar-fasciitis", "evidence", "conditions/neck-pain"]:
        assert "A corrected title for the pilot" in Page.objects.get(path=path).body_html, path
    assert cache.get(VERSION_KEY) != before


def test_the_admin_shows_which_pages_cite_a_reference_and_the_link_check(editor_client):
    ref = Reference.objects.get(key="yelland2011")
    Reference.objects.filter(pk=ref.pk).update(check_status="broken", check_detail="Web: 404")
    html = soup(editor_client.get(f"/admin/references/reference/{ref.pk}/change/"))
    cited_by = html.select_one(".field-cited_by").get_text()
    assert "Achilles" in cited_by and "What the evidence says" in cited_by
    listing = editor_client.get("/admin/references/reference/?check_status=broken")
    assert "yelland2011" in listing.content.decode() and "Web: 404" in listing.content.decode()


def test_a_cited_key_cannot_be_renamed_or_deleted(editor_client):
    ref = Reference.objects.get(key="wu2017")
    data = {f: getattr(ref, f) or "" for f in EDITABLE} | {"key": "wu2017b"}
    response = editor_client.post(f"/admin/references/reference/{ref.pk}/change/", data)
    assert "Change their citations first" in response.content.decode()
    response = editor_client.post(f"/admin/references/reference/{ref.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Reference.objects.filter(key="wu2017").exists()


def test_reception_cannot_see_the_register(client):
    sign_in(client, make_staff("rosa", "reception"))
    assert client.get("/admin/references/reference/").status_code == 403
    assert "references" not in client.get("/admin/").content.decode().lower()


EDITABLE = FILE_FIELDS


def soup_of(markdown):
    return soup_html(render_markdown(markdown))


def soup_html(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def test_the_evidence_page_lists_the_register_by_kind_and_follows_its_changes():
    evidence = Page.objects.get(path="evidence")
    pilots = soup_html(evidence.body_html).find(id="pilot-studies").find_next("ul")
    assert "Conaway 2020." in pilots.get_text() and "18 people." in pilots.get_text()
    new = Reference.objects.create(
        key="new2026", study_type="pilot", authors="New A", year=2026, title="A new pilot",
        url="https://example.org/new", finding="A finding in plain words",
    )  # fmt: skip
    assert "A finding in plain words." in Page.objects.get(path="evidence").body_html
    new.delete()
    assert "A finding in plain words" not in Page.objects.get(path="evidence").body_html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ studies.opinions }}", "There is no kind of study {{ studies.opinions }}"),
        ("Listed: {{ studies.review }}", "on a line of its own"),
    ],
)
def test_a_bad_studies_list_is_a_clear_error(text, message):
    with pytest.raises(RenderError, match=message):
        render_markdown(text)

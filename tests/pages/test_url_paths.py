"""Page addresses: every check matches the whole value, and one bad row never breaks a list."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.forms import model_to_dict
from django.test import Client, override_settings

from pit_site.pages.content import ContentError, check_url_path
from pit_site.pages.models import Page

pytestmark = pytest.mark.django_db

NEWLINE_PATHS = ["conditions/knee-pain\n/extra", "knee-pain\n", "faqs\n", "a\nb"]


@pytest.mark.parametrize("path", NEWLINE_PATHS)
def test_a_newline_anywhere_in_a_path_is_refused(path):
    with pytest.raises(ContentError, match="not a valid URL part"):
        check_url_path(path)


def test_the_admin_form_refuses_a_path_with_a_newline_inside(editor_client):
    knee = Page.objects.get(path="conditions/knee-pain")
    data = {name: value or "" for name, value in model_to_dict(knee).items()}
    data["path"] = "conditions/knee-pain\n/extra"
    response = editor_client.post(f"/admin/pages/page/{knee.pk}/change/", data)
    assert response.status_code == 200
    assert "not a valid URL part" in str(response.context["adminform"].form.errors)
    assert Page.objects.filter(path="conditions/knee-pain").exists()


def test_load_content_refuses_a_file_name_with_a_newline(tmp_path):
    (tmp_path / "knee-pain\n.md").write_text("---\ntitle: Bad\nsummary: A summary.\n---\nText")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_content", "--dir", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "is not a valid URL part" in err.getvalue()
    assert not Page.objects.filter(path="knee-pain\n").exists()


@pytest.fixture
def bad_rows():
    """Rows a stricter check would refuse, as an older version could have saved them."""
    knee = Page.objects.get(path="conditions/knee-pain")
    knee.pk = None
    knee.path = "conditions/knee-pain\n/extra"
    knee.title = "Broken knee copy"
    knee.save()
    other = Page.objects.get(path="fees")
    other.pk = None
    other.path = "fees\n/extra"
    other.save()
    return knee, other


def test_the_conditions_index_leaves_out_a_bad_row_and_lists_the_rest(bad_rows):
    response = Client().get("/conditions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/conditions/knee-pain/" in html and "/conditions/neck-pain/" in html
    assert "Broken knee copy" not in html


def test_the_sitemap_leaves_out_bad_rows(bad_rows):
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    assert b"/conditions/knee-pain/</loc>" in response.content
    assert b"extra" not in response.content


def test_the_admin_page_list_shows_a_bad_row_as_needing_a_new_address(editor_client, bad_rows):
    response = editor_client.get("/admin/pages/page/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Broken knee copy" in html and "/conditions/knee-pain/" in html
    assert "Not a valid address" in html
    # Its change form opens too, so an editor can fix the address.
    assert editor_client.get(f"/admin/pages/page/{bad_rows[0].pk}/change/").status_code == 200


@override_settings(SECURE_SSL_REDIRECT=True)
def test_only_the_exact_health_path_is_exempt_from_the_https_redirect():
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz%0A").status_code == 301


@pytest.mark.parametrize("url", ["/what-is-pit/%0A", "/what-is-pit%0A/", "/media/x%0A"])
def test_url_patterns_match_the_whole_path(url):
    assert Client().get(url).status_code == 404

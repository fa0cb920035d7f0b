"""The page list and history read plainly: one date format, true sorting, plurals, and a
compare page without repeated breadcrumbs or derived fields."""

import datetime

import pytest
import reversion
from reversion.models import Version

from pit_site.pages.models import Page
from tests.conftest import soup

pytestmark = pytest.mark.django_db
LIST = "/admin/pages/page/"


def test_the_list_is_sorted_by_the_column_it_marks_as_sorted(editor_client):
    html = soup(editor_client.get(LIST))
    assert [th.text.strip() for th in html.select("thead th.sorted")] == ["Address"]
    addresses = [td.text for td in html.select("td.field-public_link")]
    assert addresses == sorted(addresses)


def test_review_dates_use_one_format_in_the_list_and_on_the_page(editor_client, client):
    page = Page.objects.get(path="what-is-pit")
    page.last_reviewed = datetime.date(2026, 12, 3)
    page.next_review_due = datetime.date(2027, 12, 3)
    page.reviewer = "Dr Rita Reviewer"
    page.save()
    rows = soup(editor_client.get(LIST)).select("#result_list tbody tr")
    (row,) = [r for r in rows if r.select_one("td.field-public_link").text == "/what-is-pit/"]
    assert row.select_one("td.field-review_status").text == "Reviewed 3 Dec 2026"
    review = soup(client.get("/what-is-pit/")).select_one(".review").text
    assert "3 Dec 2026" in review and "3 Dec 2027" in review


def test_actions_say_one_page_or_pages(editor_client):
    page = Page.objects.get(path="what-is-pit")
    response = editor_client.post(
        LIST, {"action": "publish", "_selected_action": [page.pk]}, follow=True
    )
    assert "1 page is now published." in response.content.decode()


def test_compare_has_one_breadcrumb_title_and_no_derived_fields(editor_client):
    page = Page.objects.get(path="what-is-pit")
    for body in ("First version.", "Second version."):
        with reversion.create_revision():
            page.body = body
            page.save()
    old, new = Version.objects.get_for_object(page).order_by("-pk")[:2][::-1]
    html = soup(editor_client.get(
        f"{LIST}{page.pk}/history/compare/?version_id1={old.pk}&version_id2={new.pk}"
    ))  # fmt: skip
    crumbs = " ".join(html.select_one(".breadcrumbs").text.split())
    assert crumbs.count("Compare") == 1
    text = html.select_one("#content-main").text.lower()
    assert "second version" in text
    assert "body html" not in text and "reading grade" not in text

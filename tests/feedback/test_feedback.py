"""'Was this page helpful?': works without JavaScript and on cached pages (no CSRF token),
stores no personal data, is rate limited, and only editors see the answers."""

import datetime

import pytest
from django.test import Client, override_settings

from pit_site.feedback.models import Feedback, scrub
from pit_site.pages.models import Page
from tests.conftest import make_staff, sign_in, soup

pytestmark = pytest.mark.django_db


def form_fields(html, selector):
    form = soup(html).select_one(selector)
    return form, {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def test_every_published_page_has_the_question_without_a_csrf_token(client):
    for path in ["/", "/faqs/", "/conditions/knee-pain/", "/safety/"]:
        form, fields = form_fields(client.get(path), "form.feedback")
        assert form["method"] == "post" and form["action"] == "/feedback/", path
        assert form.legend.text == "Was this page helpful?"
        assert [b["value"] for b in form.select("button")] == ["yes", "no"]
        assert "csrfmiddlewaretoken" not in fields


def test_yes_from_a_cached_page_with_csrf_checks_on():
    """A cached page carries no CSRF token and sets no cookie; the answer from it still counts
    with Django's CSRF checks on."""
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/safety/")
    assert page.status_code == 200 and "X-Public-Page" in page  # what the page cache stores
    assert not page.cookies
    _form, fields = form_fields(page, "form.feedback")
    response = visitor.post("/feedback/", {**fields, "helpful": "yes"})
    assert response.status_code == 200
    assert "Thank you for your feedback" in soup(response).h1.text
    answer = Feedback.objects.get()
    assert answer.page.path == "safety" and answer.helpful
    assert answer.day == datetime.date.today()


def test_no_then_a_comment_with_personal_details_removed():
    browser = Client(enforce_csrf_checks=True)
    _form, fields = form_fields(browser.get("/fees/"), "form.feedback")
    more = browser.post("/feedback/", {**fields, "helpful": "no"})
    assert more.status_code == 200
    label = soup(more).select_one("label[for=feedback-comment]").text
    assert "What was missing or unclear?" in label
    hint = soup(more).select_one("#feedback-comment-hint").text
    assert "Do not include personal or medical details" in hint
    _form, fields = form_fields(more, "form.feedback-more")
    text = "Say the price. Call me on 07700 900123 or mail jo.bloggs@example.com " + "x" * 600
    thanks = browser.post("/feedback/comment/", {**fields, "comment": text})
    assert "Thank you" in soup(thanks).h1.text
    answer = Feedback.objects.get()
    assert not answer.helpful
    assert "07700" not in answer.comment and "jo.bloggs" not in answer.comment
    assert answer.comment.startswith("Say the price. Call me on [number removed] or mail [email")
    assert len(answer.comment) == 500
    # The same form cannot overwrite the comment.
    again = browser.post("/feedback/comment/", {**fields, "comment": "changed"})
    assert again.status_code == 400
    assert Feedback.objects.get().comment == answer.comment


def test_scrub_keeps_ordinary_numbers_and_removes_contact_details():
    assert scrub("I had 3 sessions over 12 weeks") == "I had 3 sessions over 12 weeks"
    assert scrub("ring +44 1632 960123\x00\u200b") == "ring [number removed]"
    assert scrub("a@b.co") == "[email removed]"


HOSTILE = [
    {},
    {"page": "1", "helpful": "maybe"},
    {"page": "abc", "helpful": "yes"},
    {"page": "99999999999999999999999", "helpful": "yes"},
    {"page": "²", "helpful": "yes"},
    {"page": "-1", "helpful": "no"},
    {"page": "1' OR '1'='1", "helpful": "yes"},
]


@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_votes_get_a_clear_message_not_an_error(client, data):
    response = client.post("/feedback/", data)
    assert response.status_code == 400
    assert "could not read your answer" in soup(response).text
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("token", ["", "nonsense", "1:abc:def", "x" * 5000])
def test_hostile_comment_tokens_get_a_clear_message(client, token):
    response = client.post("/feedback/comment/", {"token": token, "comment": "hi"})
    assert response.status_code == 400
    assert "expired" in soup(response).text


def test_drafts_cannot_be_voted_on(client):
    draft = Page.objects.create(path="draft-x", title="Draft", summary="D.", status="draft")
    assert client.post("/feedback/", {"page": draft.pk, "helpful": "yes"}).status_code == 400


def test_answers_sent_from_another_site_are_refused(client):
    page = Page.objects.get(path="fees")
    data = {"page": page.pk, "helpful": "yes"}
    assert (
        client.post("/feedback/", data, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    assert (
        client.post("/feedback/", data, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    )
    assert (
        client.post("/feedback/", data, headers={"Origin": "http://testserver"}).status_code == 200
    )
    assert Feedback.objects.count() == 1


def test_answers_are_rate_limited_per_address(client):
    page = Page.objects.get(path="fees")
    codes = [
        client.post("/feedback/", {"page": page.pk, "helpful": "yes"}).status_code
        for _ in range(21)
    ]
    assert codes[:20] == [200] * 20 and codes[20] == 429
    assert Feedback.objects.count() == 20


def test_votes_are_never_cached_and_pages_refuse_get(client):
    page = Page.objects.get(path="fees")
    response = client.post("/feedback/", {"page": page.pk, "helpful": "yes"})
    assert "no-store" in response["Cache-Control"]
    assert client.get("/feedback/").status_code == 405


def test_editors_see_counts_on_the_page_list_and_form_and_reception_does_not(client, editor):
    page = Page.objects.get(path="fees")
    today = datetime.date.today()
    Feedback.objects.create(page=page, helpful=True)
    Feedback.objects.create(page=page, helpful=False, comment="Say what the first visit costs.")
    old = Feedback.objects.create(page=page, helpful=False)
    Feedback.objects.filter(pk=old.pk).update(day=today - datetime.timedelta(days=100))
    sign_in(client, editor)
    listing = client.get("/admin/pages/page/?q=Fees+and+insurance").content.decode()
    assert "1 yes, 1 no" in listing
    form = client.get(f"/admin/pages/page/{page.pk}/change/").content.decode()
    assert "Last 30 days: 1 yes, 1 no. Last 365 days: 1 yes, 2 no." in form
    assert "Say what the first visit costs." in form
    home = soup(client.get("/admin/"))
    summary = home.select_one(".feedback-summary")
    rows = [[c.text for c in row.select("th, td")] for row in summary.tbody.select("tr")]
    month_of_old = (today - datetime.timedelta(days=100)).strftime("%B %Y")
    assert rows == [[today.strftime("%B %Y"), "1", "1", "1"], [month_of_old, "0", "1", "0"]]
    sign_in(client, make_staff("rosa", "reception"))
    assert client.get("/admin/feedback/feedback/").status_code == 403
    assert not soup(client.get("/admin/")).select(".feedback-summary")


@override_settings(DEBUG=False)
def test_feedback_is_not_shown_to_the_public(client):
    assert client.get("/admin/feedback/feedback/").status_code == 302  # sign-in page

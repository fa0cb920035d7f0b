"""A page's rules live once, in the model: load_content and the admin form refuse the same
pages with the same message, naming the same field."""

import pytest

from pit_site.pages.content import ContentError, parse_file
from pit_site.pages.models import NOT_OFFERED_NEEDS_CONDITION, Page
from tests.conftest import sign_in
from tests.pages.test_page_admin import change_url, form_data

pytestmark = pytest.mark.django_db

HEAD = "---\ntitle: T\nsummary: A page used by the tests, with a summary long enough.\n"
RULES = [  # (front matter, the same change in the admin form, field, message)
    (
        "kind: condition\nevidence: some\n",
        {"kind": "condition", "region": "", "evidence": "some"},
        "region",
        "Condition pages need a body region.",
    ),
    (
        "kind: condition\nregion: hip-and-knee\n",
        {"kind": "condition", "region": "hip-and-knee", "evidence": ""},
        "evidence",
        "Condition pages need an evidence level.",
    ),
    (
        "evidence: some\n",
        {"kind": "page", "evidence": "some"},
        "evidence",
        "Only condition pages have an evidence level; leave it empty.",
    ),
    (
        "not_offered: true\n",
        {"kind": "page", "not_offered": "on"},
        "not_offered",
        NOT_OFFERED_NEEDS_CONDITION,
    ),
    (
        "reviewer: Dr X\n",
        {"reviewer": "Dr X", "last_reviewed": ""},
        "last_reviewed",
        "Give the date of the review: a reviewer is named.",
    ),
    (
        f"nav_title: {'n' * 81}\n",
        {"nav_title": "n" * 81},
        "nav_title",
        "Ensure this value has at most 80 characters (it has 81).",
    ),
    (
        f"reviewer_role: {'r' * 121}\nreviewer: Dr X\nlast_reviewed: 2026-01-15\n",
        {"reviewer_role": "r" * 121, "reviewer": "Dr X", "last_reviewed": "2026-01-15"},
        "reviewer_role",
        "Ensure this value has at most 120 characters (it has 121).",
    ),
]


@pytest.mark.parametrize(("front_matter", "form", "field", "message"), RULES)
def test_the_loader_and_the_admin_refuse_alike(
    front_matter, form, field, message, tmp_path, client, reviewer
):
    (tmp_path / "thing.md").write_text(HEAD + front_matter + "---\nBody.\n")
    with pytest.raises(ContentError) as refused:
        parse_file(tmp_path / "thing.md", tmp_path)
    assert f"{field}: {message}" in str(refused.value)

    page = Page.objects.get(path="about")
    sign_in(client, reviewer)  # reviewers may change every field
    response = client.post(change_url(page), form_data(page, **form))
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]


def test_a_rule_on_a_field_the_editor_cannot_change_is_shown_above_the_form(editor_client):
    """A review recorded without its date (saved by an older version, say): an editor, who
    cannot change the review, is told what is wrong instead of meeting an error page."""
    page = Page.objects.get(path="about")
    Page.objects.filter(pk=page.pk).update(reviewer="Dr X", last_reviewed=None)
    page.refresh_from_db()
    response = editor_client.post(change_url(page), form_data(page, title="New title"))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Last reviewed: Give the date of the review: a reviewer is named."
    ]
    assert Page.objects.get(pk=page.pk).title == page.title

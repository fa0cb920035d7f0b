"""'Was this page helpful?' in a real browser: each of its states has no axe violations."""

import pytest

from .helpers import AXE_TAGS, VIEWPORTS, format_violations

pytestmark = pytest.mark.browser


def assert_accessible(page, axe_source, where):
    page.evaluate(axe_source)
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    assert not results["violations"], format_violations(results["violations"], where)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_then_comment_then_thanks_are_accessible(open_page, axe_source, viewport):
    page, response = open_page("/fees/", viewport)
    assert response.status == 200
    page.get_by_role("button", name="No", exact=True).click()
    page.wait_for_url("**/feedback/")
    assert page.locator("h1").inner_text() == "Thank you for your answer"
    assert_accessible(page, axe_source, f"feedback comment form at {viewport}")
    page.get_by_label("What was missing or unclear? (optional)").fill("The cost of a first visit.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/feedback/comment/")
    assert page.locator("h1").inner_text() == "Thank you for your feedback"
    assert_accessible(page, axe_source, f"feedback thanks at {viewport}")


def test_yes_is_accessible(open_page, axe_source):
    page, _response = open_page("/safety/", "phone")
    page.get_by_role("button", name="Yes", exact=True).click()
    page.wait_for_url("**/feedback/")
    assert page.locator("h1").inner_text() == "Thank you for your feedback"
    assert_accessible(page, axe_source, "feedback thanks after Yes")

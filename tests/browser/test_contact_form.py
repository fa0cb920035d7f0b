"""The contact / booking form at /contact/: a patient using only the keyboard, axe-core on its
three states, and a receptionist triaging the enquiry in the admin.

The server runs with no rate limit and a short minimum time (helpers.ENQUIRY_MIN_SECONDS); a
form sent sooner than that after it was shown would be stored as suspected spam, so every
final submit here waits a little longer first.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from .helpers import (
    ENQUIRY_MIN_SECONDS,
    VIEWPORTS,
    assert_no_horizontal_scroll,
    axe_violations,
    format_violations,
    sign_in,
)

pytestmark = pytest.mark.browser

CONTACT_PATH = "/contact/"
REFERENCE_RE = re.compile(r"^PIT-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}$")
SENT_URL_RE = re.compile(r"/contact/sent/\?ref=[^&\s]+$")
SUBMIT = 'form[action="/contact/"] button[type=submit]'
CHANGE_URL_RE = re.compile(r"/admin/enquiries/enquiry/\d+/change/(\?.*)?$")

PATIENT_NAME = "Alex Keyboard"
PATIENT_EMAIL = "alex.keyboard@example.com"
PATIENT_KIND = "Ask a question"  # the second "What is your enquiry about?" radio
NOTE = "Phoned back, left a voicemail; will try again tomorrow morning."

# References of the enquiries this module sent, oldest first, and the keyboard test's one.
SUBMITTED = []
KEYBOARD = {}

FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body';
  return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.name ? '[name=' + el.name + ']' : '') +
    (el.getAttribute('href') ? '[href=' + el.getAttribute('href') + ']' : '');
}"""
IS_FOCUSED_JS = "selector => document.activeElement === document.querySelector(selector)"

# Every visible error message must be tied to its field by aria-describedby.
UNDESCRIBED_ERRORS_JS = """() => [...document.querySelectorAll('form .field-error[id]')]
  .filter((error) => !document.querySelector(
    `[aria-describedby~="${CSS.escape(error.id)}"]`))
  .map((error) => error.id)"""


def tab_to(page, selector, max_steps=60):
    """Press Tab until ``selector`` (its first match) has focus; the stops passed on the way."""
    visited = []
    for _ in range(max_steps):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(FOCUSED_JS))
        if page.evaluate(IS_FOCUSED_JS, selector):
            return visited
    pytest.fail(f"{selector} never got focus after {max_steps} Tabs; focus went: {visited}")


def wait_past_minimum_time(shown_at):
    """Sleep until the form shown at ``shown_at`` (time.monotonic()) may be sent by a person."""
    remaining = shown_at + ENQUIRY_MIN_SECONDS + 0.5 - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def expect_sent(page):
    """On the confirmation page: the enquiry's reference, recorded in SUBMITTED."""
    expect(page).to_have_url(SENT_URL_RE)
    expect(page).to_have_title(re.compile(r"^Message sent\b"))
    reference_line = page.locator(".reference")
    expect(reference_line).to_contain_text("Your reference is PIT-")
    reference = reference_line.locator("strong").inner_text().strip()
    assert REFERENCE_RE.match(reference), f"unexpected reference {reference!r}"
    SUBMITTED.append(reference)
    return reference


def send_enquiry(page, site_url):
    """Fill and send a valid enquiry with the mouse; its reference."""
    page.goto(site_url + CONTACT_PATH)
    shown_at = time.monotonic()
    page.fill("#id_name", PATIENT_NAME)
    page.fill("#id_email", PATIENT_EMAIL)
    page.get_by_role("radio", name=PATIENT_KIND).check()
    page.check("#id_consent")
    wait_past_minimum_time(shown_at)
    with page.expect_navigation():
        page.click(SUBMIT)
    return expect_sent(page)


def test_patient_sends_the_form_with_the_keyboard_only(open_page):
    page, response = open_page(CONTACT_PATH, "phone")
    shown_at = time.monotonic()
    assert response.status == 200
    expect(page.locator("#id_consent")).not_to_be_checked()

    # From the top of the page into the form, then on to the submit button.
    tab_to(page, "#id_name")
    page.keyboard.type(PATIENT_NAME)
    visited = tab_to(page, SUBMIT)
    assert not any("id_website" in stop for stop in visited), (
        f"the hidden spam trap field takes keyboard focus: {visited}"
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The error state: title, summary, values kept, errors tied to their fields.
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Give an email address or a phone number")
    expect(summary).to_contain_text("Choose what your enquiry is about")
    expect(summary).to_contain_text("Tick the box")
    expect(page.locator("#id_name")).to_have_value(PATIENT_NAME)
    expect(page.locator("#id_consent")).not_to_be_checked()
    assert page.evaluate(UNDESCRIBED_ERRORS_JS) == [], (
        "error messages not tied to a field by aria-describedby"
    )
    first_invalid = page.locator("form [aria-invalid=true]").first.get_attribute("id")
    first_link = summary.locator("a").first
    expect(first_link).to_have_attribute("href", f"#{first_invalid}")

    # The summary's first link, reached and followed with the keyboard, focuses that field.
    tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=first_invalid
    )
    assert first_invalid == "id_email", f"the first field in error is {first_invalid}"

    # Fix every error with the keyboard; focus is in the email field.
    page.keyboard.type(PATIENT_EMAIL)
    tab_to(page, "input[name=kind]")
    page.keyboard.press("Space")
    expect(page.locator("#id_kind_0")).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name=PATIENT_KIND)).to_be_checked()
    expect(page.get_by_role("radio", name=PATIENT_KIND)).to_be_focused()
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    expect(page.locator("#id_consent")).to_be_checked()
    expect(page.locator("#id_name")).to_have_value(PATIENT_NAME)
    expect(page.locator("#id_email")).to_have_value(PATIENT_EMAIL)

    wait_past_minimum_time(shown_at)
    tab_to(page, SUBMIT)
    with page.expect_navigation():
        page.keyboard.press("Space")
    KEYBOARD["reference"] = expect_sent(page)


def test_reception_triages_the_enquiry(chromium, site_url, reception_account, editor_account):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        # The keyboard test's enquiry, or a new one when that test did not run.
        reference = KEYBOARD.get("reference") or send_enquiry(page, site_url)
        newest = SUBMITTED[-1]

        sign_in(page, site_url, reception_account)
        expect(page.locator(".new-enquiries")).to_contain_text(
            re.compile(r"\b[1-9]\d* new enquir(y|ies) waiting")
        )
        page.locator("tr.model-enquiry").get_by_role("link", name="Enquiries").click()
        expect(page).to_have_url(f"{site_url}/admin/enquiries/enquiry/")
        rows = page.locator("#result_list tbody tr")
        expect(rows.first.locator(".field-reference")).to_have_text(newest)

        page.fill("#searchbar", reference)
        page.press("#searchbar", "Enter")
        expect(rows).to_have_count(1)
        row = rows.first
        expect(row.locator(".field-reference")).to_have_text(reference)
        expect(row.locator(".field-name")).to_have_text(PATIENT_NAME)
        expect(row.locator(".field-kind")).to_have_text(PATIENT_KIND)
        expect(row.locator(".field-status_badge")).to_have_text("New")  # not suspected spam
        row.get_by_role("link", name=reference).click()
        expect(page).to_have_url(CHANGE_URL_RE)

        # What the patient sent is shown, read-only; the handling fields are editable.
        form = page.locator("#enquiry_form")
        for field, value in [
            ("reference", reference),
            ("name", PATIENT_NAME),
            ("email", PATIENT_EMAIL),
            ("kind", PATIENT_KIND),
        ]:
            expect(form.locator(f".field-{field} .readonly")).to_have_text(value)
        for name in ["name", "email", "phone", "kind", "condition", "message", "consent_at"]:
            expect(form.locator(f'[name="{name}"]')).to_have_count(0)
        expect(form.locator("select#id_status")).to_be_editable()
        expect(form.locator("select#id_assigned_to")).to_be_editable()

        page.locator('textarea[name="notes-0-text"]').fill(NOTE)
        page.select_option("#id_status", label="In progress")
        page.locator('input[name="_continue"]').click()
        expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
        expect(page).to_have_url(CHANGE_URL_RE)

        notes = page.locator("#notes-group")
        expect(notes).to_contain_text(NOTE)
        expect(notes.locator("tr", has_text=NOTE)).to_contain_text(reception_account.name)
        history = page.locator("#status_changes-group tbody tr", has_text="In progress")
        expect(history).to_have_count(1)
        expect(history).to_contain_text("New")
        expect(history).to_contain_text(reception_account.username)
        expect(page.locator("select#id_status")).to_have_value("in_progress")

        page.goto(f"{site_url}/admin/enquiries/enquiry/?q={reference}")
        expect(rows.first.locator(".field-status_badge")).to_have_text("In progress")

        # Reception cannot reach the patient pages.
        response = page.goto(f"{site_url}/admin/pages/page/")
        assert response.status == 403, f"reception opened the page list: {response.status}"
    finally:
        context.close()

    context = chromium.new_context()
    try:
        page = context.new_page()
        sign_in(page, site_url, editor_account)
        expect(page.locator(".new-enquiries")).to_have_count(0)
        response = page.goto(f"{site_url}/admin/enquiries/enquiry/")
        assert response.status == 403, f"an editor opened the enquiries: {response.status}"
    finally:
        context.close()


@pytest.fixture(scope="module")
def sent_path(chromium, site_url):
    """Path of a real confirmation page (a sent enquiry's signed reference)."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        send_enquiry(page, site_url)
        return page.url.removeprefix(site_url)
    finally:
        context.close()


def show_errors(page):
    """Send the form with a bad email and phone and nothing else: the error state."""
    page.fill("#id_email", "not-an-email")
    page.fill("#id_phone", "12")
    with page.expect_navigation():
        page.click(SUBMIT)
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(5)  # name, email, phone, kind, consent


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("state", ["empty", "errors", "sent"])
def test_form_states_are_accessible(open_page, request, axe_source, state, viewport):
    width, height = VIEWPORTS[viewport]
    path = request.getfixturevalue("sent_path") if state == "sent" else CONTACT_PATH
    page, response = open_page(path, viewport)
    assert response.status == 200
    if state == "errors":
        show_errors(page)
    where = f"the contact form ({state}) at {viewport} {width}x{height}"
    violations = axe_violations(page, axe_source)
    assert not violations, format_violations(violations, where)
    assert_no_horizontal_scroll(page, width, where)
    expect(page.locator("h1")).to_have_count(1)


def test_every_error_summary_link_leads_to_its_field(open_page):
    """Radio groups included: their link goes to the group's first radio."""
    page, _ = open_page(CONTACT_PATH)
    with page.expect_navigation():
        page.click(SUBMIT)
    links = page.locator(".error-summary a")
    expect(links.first).to_be_visible()
    for link in links.all():
        href = link.get_attribute("href") or ""
        assert href.startswith("#") and len(href) > 1, (
            f"error summary link {link.inner_text()!r} goes to {href!r}, not to a field"
        )
        target = page.locator(f"form [id='{href[1:]}']")
        expect(target).to_have_count(1)
        link.focus()
        page.keyboard.press("Enter")
        expect(target).to_be_focused()

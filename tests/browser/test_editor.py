"""The staff page editor in the Django admin: markdownx live preview, saving, alt text
checks, draft previews on the site, image uploads and the editor's accessibility.

A content editor account (conftest.EDITOR) is made in the throw-away database by the
site_url fixture. Every test that changes a page puts it back, so the other browser tests
see the content as loaded from content/.
"""

import base64
import re
import urllib.request
import uuid
from io import BytesIO

import pytest
from playwright.sync_api import expect

from .helpers import AXE_TAGS, format_violations, sign_in

pytestmark = pytest.mark.browser

KNEE_PATH = "/conditions/knee-pain/"
ALT_TEXT_PATH = "/fees/"  # the refused save must leave it untouched
DRAFT_PATH = "/pit-vs-prolotherapy/"  # used by no other browser test beyond "it loads"
CHANGE_URL_RE = re.compile(r"/admin/pages/page/\d+/change/(\?.*)?$")
PLACEHOLDER = (
    "Describe the image"  # rendering.ALT_PLACEHOLDER, selected for the editor to type over
)
IMAGE_CODE_RE = re.compile(r"!\[Describe the image\]\((/media/images/[^)\s]+\.png)\)")

DROP_FILE_JS = """([selector, b64, name, type, selection]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, {type}));
  const editor = document.querySelector(selector);
  editor.focus();
  const [start, end] = selection || [editor.value.length, editor.value.length];
  editor.setSelectionRange(start, end);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    editor.dispatchEvent(
      new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}"""


def watch_problems(page):
    """Console errors, script errors and failed requests (>= 400) of a tab, favicon aside."""
    problems = []

    def on_console(message):
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            problems.append(f"console error: {message.text}")

    def on_failed(request):
        # ERR_ABORTED: a preview request cut short by leaving the page, not a site fault.
        failure = request.failure or ""
        if "favicon" not in request.url and "ERR_ABORTED" not in failure:
            problems.append(f"request failed: {request.method} {request.url} ({failure})")

    def on_response(response):
        if response.status >= 400 and "favicon" not in response.url:
            problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return problems


def edit_link_of(page, site_url, path):
    """As staff, open ``path`` on the site and follow its "Edit this page" link."""
    response = page.goto(site_url + path)
    assert response.status == 200, f"{path}: {response.status}"
    page.locator(".staff-bar").get_by_role("link", name="Edit this page").click()
    expect(page).to_have_url(CHANGE_URL_RE)
    return page.url


def wait_for_first_preview(page):
    """markdownx renders the saved body into the preview as soon as the form loads."""
    expect(page.locator(".page-editor .markdownx-preview > *").first).to_be_attached()


def save(page):
    page.get_by_role("button", name="Save", exact=True).click()


def expect_saved(page):
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")


def set_body_and_save(page, change_url, body):
    page.goto(change_url)
    page.locator("#id_body").fill(body)
    save(page)
    expect_saved(page)


def public_prose(chromium, site_url, path):
    """The page body as a signed-out patient sees it (a fresh context, no cookies)."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        response = page.goto(site_url + path)
        assert response.status == 200, f"{path}: {response.status} for the public"
        assert page.locator(".staff-bar").count() == 0, "a patient sees the staff bar"
        return page.locator("main .prose").inner_html()
    finally:
        context.close()


def png_bytes():
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (24, 16), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def editor_state(chromium, site_url, editor_account):
    """The signed-in editor's cookies, signed in once for this module."""
    context = chromium.new_context()
    try:
        sign_in(context.new_page(), site_url, editor_account)
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def editor_page(chromium, editor_state):
    """A tab in a new context already signed in as the editor."""
    context = chromium.new_context(
        storage_state=editor_state, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_editor_edits_previews_and_publishes_a_page(chromium, site_url, editor_account):
    token = uuid.uuid4().hex[:10]
    heading = f"Browser check {token}"
    sentence = f"Gentle knee exercises help many people, test {token}."

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = watch_problems(page)
    change_url = original = None
    try:
        sign_in(page, site_url, editor_account)
        page.get_by_role("link", name="Pages", exact=True).first.click()
        page.fill("#searchbar", "knee-pain")
        page.press("#searchbar", "Enter")
        page.get_by_role("link", name="Knee pain", exact=True).click()
        expect(page).to_have_url(CHANGE_URL_RE)
        change_url = page.url

        body = page.locator("textarea#id_body")
        original = body.input_value()
        preview = page.locator(".page-editor .markdownx-preview")
        wait_for_first_preview(page)
        expect(preview).not_to_contain_text(token)

        body.click()
        body.press("Control+End")
        page.keyboard.type(f"\n\n## {heading}\n\n{sentence}\n")
        expect(preview.locator("h2", has_text=heading)).to_be_visible()
        expect(preview.locator("p", has_text=sentence)).to_be_visible()

        save(page)
        expect_saved(page)
        expect(page.locator(".messagelist .success")).to_contain_text("Knee pain")
        assert not problems, "problems during the admin journey:\n" + "\n".join(problems)

        prose = public_prose(chromium, site_url, KNEE_PATH)
        assert heading in prose and sentence in prose, (
            f"the saved change is not on the public page {KNEE_PATH}"
        )
    finally:
        if change_url and original is not None:
            set_body_and_save(page, change_url, original)
        context.close()
    assert token not in public_prose(chromium, site_url, KNEE_PATH), "the page was not restored"


def test_image_without_alt_text_is_refused(chromium, site_url, editor_page):
    page = editor_page
    before = public_prose(chromium, site_url, ALT_TEXT_PATH)
    edit_link_of(page, site_url, ALT_TEXT_PATH)
    body = page.locator("#id_body")
    body.fill(body.input_value() + "\n\n![](/static/img/favicon.png)\n")
    save(page)

    expect(page.locator(".messagelist .success")).to_have_count(0)
    expect(page.locator(".errornote")).to_be_visible()
    error = page.locator(".field-body .errorlist")
    expect(error).to_contain_text("/static/img/favicon.png")
    expect(error).to_contain_text("no alt text")
    assert public_prose(chromium, site_url, ALT_TEXT_PATH) == before, "the refused edit went live"


def test_draft_is_hidden_from_patients_and_previewed_by_staff(chromium, site_url, editor_page):
    page = editor_page
    change_url = edit_link_of(page, site_url, DRAFT_PATH)
    drafted = False
    try:
        page.select_option("#id_status", "draft")
        save(page)
        expect_saved(page)
        drafted = True

        anonymous = chromium.new_context()
        try:
            response = anonymous.new_page().goto(site_url + DRAFT_PATH)
            assert response.status == 404, f"a draft answered {response.status} to the public"
        finally:
            anonymous.close()

        response = page.goto(site_url + DRAFT_PATH)
        assert response.status == 200
        assert "no-store" in response.headers.get("cache-control", ""), (
            "a staff draft preview may be cached"
        )
        bar = page.locator(".staff-bar")
        expect(bar).to_contain_text("Draft: patients cannot see this page yet.")
        bar.get_by_role("link", name="Edit this page").click()
        expect(page).to_have_url(change_url)
        page.select_option("#id_status", "published")
        save(page)
        expect_saved(page)
        drafted = False
    finally:
        if drafted:  # put it back even when a check above failed
            page.goto(change_url)
            page.select_option("#id_status", "published")
            save(page)
            expect_saved(page)
    public_prose(chromium, site_url, DRAFT_PATH)  # published again: 200 for the public


def test_dropped_image_is_uploaded_and_served_safely(site_url, editor_page):
    page = editor_page
    problems = watch_problems(page)
    edit_link_of(page, site_url, KNEE_PATH)
    wait_for_first_preview(page)
    payload = base64.b64encode(png_bytes()).decode()
    page.evaluate(DROP_FILE_JS, ["#id_body", payload, "knee.png", "image/png"])

    body = page.locator("#id_body")
    expect(body).to_have_value(IMAGE_CODE_RE)
    match = IMAGE_CODE_RE.search(body.input_value())
    assert match, f"no PNG image code in the body: {body.input_value()[-200:]!r}"
    with urllib.request.urlopen(site_url + match.group(1), timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.read().startswith(b"\x89PNG")
    assert not problems, "problems while uploading:\n" + "\n".join(problems)
    # Not saved: the body still lacks alt text, and the knee page stays as loaded.


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
)


def drop_file(page, data, name, content_type, selection=None):
    """Drop a file on the body with the cursor at the end (or over ``selection``, a
    (start, end) pair) and wait until the editor has handled the server's answer."""
    payload = base64.b64encode(data).decode()
    with page.expect_response(re.compile(r"/editor/upload/")):
        page.evaluate(DROP_FILE_JS, ["#id_body", payload, name, content_type, selection])
    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")  # its handlers run


def selected_text(page):
    return page.evaluate(
        "() => { const e = document.querySelector('#id_body');"
        " return e.value.slice(e.selectionStart, e.selectionEnd); }"
    )


def expect_undimmed(editor):
    expect(editor).to_have_css("opacity", "1")


def test_refused_upload_shows_the_reason_and_leaves_the_body_alone(site_url, editor_page):
    page = editor_page
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    edit_link_of(page, site_url, KNEE_PATH)
    wait_for_first_preview(page)
    body = page.locator("#id_body")
    original = body.input_value()

    drop_file(page, SVG_WITH_SCRIPT, "diagram.svg", "image/svg+xml")
    status = page.locator(".page-editor-status")
    expect(status).to_have_text("Upload a photo or picture saved as JPEG, PNG or WebP.")
    expect(status).to_have_attribute("role", "alert")
    expect(body).to_have_value(original)  # markdownx's "Invalid response" is taken out again
    expect_undimmed(body)
    expect(page.locator(".page-editor .markdownx-preview")).not_to_contain_text("Invalid")
    assert not script_errors, script_errors

    drop_file(page, png_bytes(), "knee.png", "image/png")  # a good one replaces the message
    expect(body).to_have_value(IMAGE_CODE_RE)
    expect(status).not_to_have_class(re.compile("errornote"))
    expect(status).to_contain_text("Image uploaded")


def test_refused_upload_leaves_the_text_as_it_was_wherever_the_cursor_is(site_url, editor_page):
    page = editor_page
    edit_link_of(page, site_url, KNEE_PATH)
    wait_for_first_preview(page)
    body = page.locator("#id_body")
    original = body.input_value()
    middle = original.index("\n\n") + 1  # between two paragraphs
    word = (original.index(" ") + 1, original.index(" ", original.index(" ") + 1))
    for where, selection in [("start", (0, 0)), ("middle", (middle, middle)), ("word", word)]:
        drop_file(page, SVG_WITH_SCRIPT, "diagram.svg", "image/svg+xml", selection)
        expect(page.locator(".page-editor-status")).to_contain_text("JPEG, PNG or WebP")
        assert body.input_value() == original, f"the text changed (cursor at the {where})"
        assert page.evaluate(
            "() => [document.querySelector('#id_body').selectionStart,"
            " document.querySelector('#id_body').selectionEnd]"
        ) == list(selection), f"the cursor moved (cursor at the {where})"
        expect_undimmed(body)
    expect(page.locator(".page-editor .markdownx-preview")).not_to_contain_text("Invalid")


def test_uploaded_image_gets_its_own_line_with_the_description_selected(site_url, editor_page):
    page = editor_page
    edit_link_of(page, site_url, KNEE_PATH)
    wait_for_first_preview(page)
    help_text = page.locator("#id_body_helptext")
    expect(help_text).to_contain_text("drag it into the text or paste it")
    body = page.locator("#id_body")
    original = body.input_value()
    cursor = original.index(". ") + 1  # mid-paragraph, just after a full stop

    drop_file(page, png_bytes(), "knee.png", "image/png", (cursor, cursor))
    value = body.input_value()
    match = IMAGE_CODE_RE.search(value)
    assert match, f"no image code in the body near the cursor: {value[: cursor + 120]!r}"
    before, after = original[:cursor], original[cursor:].lstrip(" ")
    assert value == f"{before}\n\n{match.group(0)}\n\n{after}", "not on its own line"
    assert selected_text(page) == PLACEHOLDER
    expect(page.locator(".page-editor-status")).to_contain_text("Type what it shows")

    page.keyboard.type("A knee being examined")
    assert f"![A knee being examined]({match.group(1)})" in body.input_value()
    preview = page.locator(".page-editor .markdownx-preview")
    expect(preview.locator('img[alt="A knee being examined"]')).to_be_attached()
    # Not saved: the knee page stays as loaded.


def test_signed_out_editor_is_told_why_preview_and_upload_fail(site_url, editor_page):
    page = editor_page
    edit_link_of(page, site_url, KNEE_PATH)
    wait_for_first_preview(page)
    body = page.locator("#id_body")
    original = body.input_value()
    page.context.clear_cookies()  # the session has ended, in another tab or by timing out

    body.click()
    body.press("Control+End")
    page.keyboard.type(" More.")
    note = page.locator(".page-editor .markdownx-preview > p.errornote")
    expect(note).to_have_text(re.compile(r"^Your sign-in has expired\. Sign in to the admin"))

    typed = body.input_value()
    drop_file(page, png_bytes(), "knee.png", "image/png")
    expect(page.locator(".page-editor-status")).to_contain_text("Your sign-in has expired.")
    expect(body).to_have_value(typed)
    assert typed == original + " More."
    expect_undimmed(body)


def test_an_error_page_from_a_proxy_does_not_leave_the_editor_stuck(site_url, editor_page):
    page = editor_page
    edit_link_of(page, site_url, KNEE_PATH)
    wait_for_first_preview(page)
    body = page.locator("#id_body")
    original = body.input_value()
    bad_gateway = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
    page.route(
        re.compile(r"/editor/(upload|preview)/"),
        lambda route: route.fulfill(status=502, body=bad_gateway, content_type="text/html"),
    )

    drop_file(page, png_bytes(), "knee.png", "image/png")  # markdownx's JSON.parse throws
    expect(page.locator(".page-editor-status")).to_contain_text("could not be uploaded")
    expect_undimmed(body)
    expect(body).to_have_value(original)

    body.click()
    page.keyboard.type("x")
    note = page.locator(".page-editor .markdownx-preview > p.errornote")
    expect(note).to_have_text("The preview could not be updated. Reload the page and try again.")
    expect(page.locator(".page-editor .markdownx-preview h1")).to_have_count(0)


def test_editor_and_preview_are_accessible(site_url, editor_page, axe_source):
    page = editor_page
    edit_link_of(page, site_url, KNEE_PATH)
    wait_for_first_preview(page)
    page.evaluate(axe_source)
    results = page.evaluate(
        "options => axe.run({include: [['.page-editor']]}, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results["violations"]
    assert not violations, format_violations(violations, "the page editor (.page-editor)")

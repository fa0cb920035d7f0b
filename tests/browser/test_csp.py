"""The strict Content-Security-Policy holds in a real Chromium: no page breaks it.

Every public page, the contact form's three states, the 404 page and the staff's admin
journeys (the page editor with its live preview, history and a reversion-compare view, the
images, the clinic details, the enquiries as reception) are visited while two detectors
listen for violations:

- a ``securitypolicyviolation`` listener added by an init script to every document, which
  reports each event to Python through an exposed binding (so nothing is lost on navigation);
- Chromium's own console messages ("Refused to ... Content Security Policy ...").

A violation is reported with the page, the directive, what was blocked and the element that
caused it, so a failure says exactly what to fix. The tests never relax the policy: a
violation is a bug in a template, a widget or a script, to be fixed there.
"""

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from .helpers import ENQUIRY_MIN_SECONDS, NOT_FOUND_PATH, content_paths, path_id, sign_in

pytestmark = pytest.mark.browser

CONTACT_PATH = "/contact/"
SUBMIT = 'form[action="/contact/"] button[type=submit]'
SENT_URL_RE = re.compile(r"/contact/sent/\?ref=[^&\s]+$")
# A page no other browser test edits: the editor journey saves it twice (a change, then the
# original body back), which gives the history page two versions to compare.
EDIT_PATH = "/how-it-works/"
CHANGE_URL_RE = re.compile(r"/admin/pages/page/(\d+)/change/(\?.*)?$")
ENQUIRY_CHANGE_RE = re.compile(r"/admin/enquiries/enquiry/\d+/change/(\?.*)?$")

# Sent by the init script for each violation; the event's target is the offending element
# (for inline style attributes and inline scripts) or the document.
RECORD_VIOLATIONS_JS = """
document.addEventListener('securitypolicyviolation', (event) => {
  const el = event.target;
  let element = '';
  if (el && el.nodeType === 1) {
    element = '<' + el.tagName.toLowerCase() + (el.id ? ' id="' + el.id + '"' : '') +
      (el.name ? ' name="' + el.name + '"' : '') +
      (el.getAttribute('class') ? ' class="' + el.getAttribute('class') + '"' : '') +
      (el.getAttribute('style') !== null ? ' style="' + el.getAttribute('style') + '"' : '') +
      '>';
  }
  window.__cspViolation({
    page: document.location.pathname + document.location.search,
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile ? event.sourceFile + ':' + event.lineNumber : '',
    sample: event.sample || '',
    disposition: event.disposition,
    element,
  });
}, true);
"""
CSP_CONSOLE_RE = re.compile(r"Content Security Policy|Refused to", re.I)
# The policy must be strict wherever it is sent; these would make the tests meaningless.
WEAKENERS = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:")


class CspWatch:
    """A browser context whose every page reports CSP violations into ``self.found``."""

    def __init__(self, chromium):
        self.found = []
        self.documents = []  # (url, Content-Security-Policy header) of each page loaded
        self.context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        self.context.set_default_timeout(10_000)
        self.context.expose_binding("__cspViolation", self._on_event)
        self.context.add_init_script(RECORD_VIOLATIONS_JS)
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.on("console", self._on_console)
        page.on("response", self._on_response)
        return page

    def _on_event(self, _source, v):
        at = f" at {v['source']}" if v["source"] else ""
        element = f" on {v['element']}" if v["element"] else ""
        sample = f" (sample {v['sample']!r})" if v["sample"] else ""
        self.found.append(
            f"event: {v['page']}: {v['directive']} blocked {v['blocked']!r}{at}{element}{sample}"
        )

    def _on_console(self, message):
        if CSP_CONSOLE_RE.search(message.text):
            where = (message.location or {}).get("url", "")
            self.found.append(f"console {message.type}: {where}: {message.text}")

    def _on_response(self, response):
        if response.request.resource_type == "document":
            policy = response.headers.get("content-security-policy")
            self.documents.append((response.url, response.status, policy))

    def goto(self, url, status=200):
        response = self.page.goto(url)
        assert response.status == status, f"{url}: HTTP {response.status}, not {status}"
        return response

    def settle(self):
        """Let violation events queued by the last action reach Python."""
        self.page.wait_for_load_state("load")
        self.page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 100))")

    def assert_clean(self, what):
        self.settle()
        unprotected = [
            f"{url} (HTTP {status}): {policy!r}"
            for url, status, policy in self.documents
            if not policy or any(w in policy.replace(";", " ").split() for w in WEAKENERS)
        ]
        assert not unprotected, (
            f"{what}: documents sent without the strict Content-Security-Policy:\n"
            + "\n".join(unprotected)
        )
        assert self.documents, f"{what}: no page was loaded"
        assert not self.found, (
            f"{what}: {len(self.found)} Content-Security-Policy violation(s):\n"
            + "\n".join(dict.fromkeys(self.found))  # each once, in order
        )

    def close(self):
        self.context.close()


@pytest.fixture
def watch(chromium, site_url):
    watches = []

    def make():
        watches.append(CspWatch(chromium))
        return watches[-1]

    yield make
    for each in watches:
        each.close()


@pytest.fixture(scope="module")
def public_watch(chromium, site_url):
    """One context for the many public pages; each test clears what the previous found."""
    shared = CspWatch(chromium)
    yield shared
    shared.close()


def test_detectors_catch_a_violation(public_watch, site_url):
    """Both detectors see an inline script and an inline style attribute being refused."""
    public_watch.goto(f"{site_url}/")
    public_watch.page.evaluate(
        """() => {
          const box = document.createElement('div');
          box.innerHTML = '<p style="color: red">x</p>';
          document.body.append(box);
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true;';
          document.body.append(script);
        }"""
    )
    public_watch.settle()
    found = list(public_watch.found)
    public_watch.found.clear()
    assert public_watch.page.evaluate("() => window.__inlineRan === undefined"), (
        "an inline script ran: the policy is not enforced"
    )
    events = [f for f in found if f.startswith("event:")]
    console = [f for f in found if f.startswith("console")]
    assert any("script-src" in f for f in events), f"no script-src event: {found}"
    assert any("style-src-attr" in f and "<p" in f for f in events), f"no style event: {found}"
    assert any("script" in f for f in console) and any("style" in f for f in console), (
        f"Chromium's console messages were not seen: {found}"
    )


PUBLIC = [*content_paths(), NOT_FOUND_PATH, "/search/?q=heel+pain", "/search/?q=xylophone+lessons"]


@pytest.mark.parametrize("path", PUBLIC, ids=[path_id(p) for p in PUBLIC])
def test_public_page_keeps_the_policy(public_watch, site_url, path):
    public_watch.found.clear()
    public_watch.documents.clear()
    public_watch.goto(site_url + path, status=404 if path == NOT_FOUND_PATH else 200)
    # Exercise the page's own scripts too (the FAQ accordion, the form helpers).
    for summary in public_watch.page.locator("details summary").all()[:3]:
        summary.click()
    public_watch.assert_clean(path)


def send_enquiry(csp, site_url):
    """Fill and send a valid enquiry in ``csp``'s tab; ends on the confirmation page."""
    page = csp.page
    csp.goto(site_url + CONTACT_PATH)
    shown_at = time.monotonic()
    page.fill("#id_name", "Casey Policy")
    page.fill("#id_email", "casey.policy@example.com")
    page.locator("input[name=kind]").first.check()
    page.check("#id_consent")
    time.sleep(max(0.0, shown_at + ENQUIRY_MIN_SECONDS + 0.5 - time.monotonic()))
    with page.expect_navigation():
        page.click(SUBMIT)
    expect(page).to_have_url(SENT_URL_RE)


def test_contact_form_states_keep_the_policy(watch, site_url):
    csp = watch()
    page = csp.page
    csp.goto(site_url + CONTACT_PATH)
    with page.expect_navigation():
        page.click(SUBMIT)  # empty: the error state
    expect(page.locator(".error-summary")).to_be_visible()
    page.locator(".error-summary a").first.click()
    csp.assert_clean("the contact form's error state")

    send_enquiry(csp, site_url)
    csp.assert_clean("the contact form and its confirmation")


def test_admin_sign_in_page_keeps_the_policy(watch, site_url):
    csp = watch()
    csp.goto(f"{site_url}/admin/login/?next=/admin/")
    expect(csp.page.locator("#id_username")).to_be_visible()
    csp.assert_clean("the admin sign-in page")


@pytest.fixture(scope="module")
def edited_page(chromium, site_url, editor_account):
    """Make two saves of EDIT_PATH (a change, then the original back); its admin id and token.

    Run once, with its own watcher, so the history and compare tests have versions to show.
    """
    csp = CspWatch(chromium)
    page = csp.page
    token = f"csp-{uuid.uuid4().hex[:8]}"
    try:
        sign_in(page, site_url, editor_account)
        csp.goto(site_url + EDIT_PATH)
        page.locator(".staff-bar").get_by_role("link", name="Edit this page").click()
        expect(page).to_have_url(CHANGE_URL_RE)
        change_url = page.url
        page_id = CHANGE_URL_RE.search(change_url).group(1)
        body = page.locator("textarea#id_body")
        preview = page.locator(".page-editor .markdownx-preview")
        expect(preview.locator("> *").first).to_be_attached()  # the first preview
        original = body.input_value()

        # Typing updates the preview through an XHR to the preview endpoint.
        body.click()
        body.press("Control+End")
        with page.expect_response(
            lambda r: "/editor/preview/" in r.url and r.request.method == "POST"
        ) as preview_call:
            page.keyboard.type(f"\n\n## Checked {token}\n\nA sentence about {token}.\n")
        assert preview_call.value.status == 200, f"preview answered {preview_call.value.status}"
        expect(preview.locator("h2", has_text=f"Checked {token}")).to_be_visible()
        expect(preview.locator("p", has_text=f"A sentence about {token}.")).to_be_visible()

        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
        body.fill(original)
        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
        expect(body).to_have_value(original)
        csp.settle()
        return {"id": page_id, "token": token, "found": list(csp.found), "docs": csp.documents}
    finally:
        csp.close()


def test_page_editor_and_preview_keep_the_policy(edited_page):
    assert not edited_page["found"], (
        "the page editor (typing, live preview, two saves): "
        f"{len(edited_page['found'])} Content-Security-Policy violation(s):\n"
        + "\n".join(dict.fromkeys(edited_page["found"]))
    )
    assert all(policy for _url, _status, policy in edited_page["docs"])


@pytest.fixture
def editor_watch(watch, site_url, editor_account):
    csp = watch()
    sign_in(csp.page, site_url, editor_account)
    csp.found.clear()  # the sign-in page has its own test
    csp.documents.clear()
    return csp


def test_admin_lists_and_forms_keep_the_policy(editor_watch, site_url, edited_page):
    csp = editor_watch
    page = csp.page
    csp.goto(f"{site_url}/admin/")
    csp.goto(f"{site_url}/admin/pages/page/")
    expect(page.locator("#result_list")).to_be_visible()
    csp.goto(f"{site_url}/admin/pages/page/{edited_page['id']}/change/")
    expect(page.locator(".page-editor .markdownx-preview > *").first).to_be_attached()
    csp.goto(f"{site_url}/admin/pages/image/")
    csp.goto(f"{site_url}/admin/pages/image/add/")
    csp.goto(f"{site_url}/admin/clinic/clinic/")  # redirects to the one set of details
    expect(page).to_have_url(re.compile(r"/admin/clinic/clinic/\d+/change/$"))
    expect(page.locator("#id_phone")).to_be_visible()
    csp.assert_clean("the admin index, page list, page form, images and clinic details")


def test_page_history_keeps_the_policy(editor_watch, site_url, edited_page):
    csp = editor_watch
    csp.goto(f"{site_url}/admin/pages/page/{edited_page['id']}/history/")
    expect(csp.page.locator("#change-history tbody tr").nth(1)).to_be_attached()
    csp.assert_clean("the page's history (reversion-compare's object_history)")


def test_version_compare_keeps_the_policy(editor_watch, site_url, edited_page):
    csp = editor_watch
    page = csp.page
    csp.goto(f"{site_url}/admin/pages/page/{edited_page['id']}/history/")
    csp.found.clear()  # the history page is checked on its own above
    csp.documents.clear()
    # The history form's default choice: the newest version against the one before it.
    with page.expect_navigation():
        page.locator("#change-history input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/history/compare/\?version_id\d=\d+&version_id\d=\d+$"))
    expect(page.locator("#content-main")).to_contain_text(edited_page["token"])
    csp.assert_clean("reversion-compare's compare view")
    # django-reversion's revert form for that version (only shown here, never saved).
    page.get_by_role("link", name="Revert to this version").first.click()
    expect(page).to_have_url(re.compile(r"/admin/pages/page/\d+/history/\d+/$"))
    expect(page.locator("textarea#id_body")).to_be_visible()
    csp.assert_clean("django-reversion's revert form")


def test_enquiries_as_reception_keep_the_policy(watch, site_url, reception_account):
    csp = watch()
    page = csp.page
    sign_in(page, site_url, reception_account)
    csp.goto(f"{site_url}/admin/enquiries/enquiry/")
    rows = page.locator("#result_list tbody tr")
    if rows.count() == 0:  # this test run alone: send one first
        send_enquiry(csp, site_url)
        csp.goto(f"{site_url}/admin/enquiries/enquiry/")
    rows.first.locator(".field-reference a").click()
    expect(page).to_have_url(ENQUIRY_CHANGE_RE)
    expect(page.locator("#enquiry_form")).to_be_visible()
    csp.assert_clean("the enquiry list and an enquiry (reception)")

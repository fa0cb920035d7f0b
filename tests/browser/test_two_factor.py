"""Two-factor sign-in in a real browser: a newcomer enrols an authenticator app, another a
passkey (Chromium's virtual authenticator, through the DevTools protocol), and each signs in
again with it. The new pages have no axe-core violations and keep the CSP."""

import base64
import os
import re
import time
from pathlib import Path

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from .helpers import axe_violations, enter_password, format_violations, sign_in, viewport_size

pytestmark = pytest.mark.browser

# Set SCREENSHOT_DIR to keep a picture of each step (to look at the pages by eye).
SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(SHOTS) / f"{name}.png", full_page=True)


@pytest.fixture
def tab(chromium):
    context = chromium.new_context(viewport=viewport_size("desktop"), locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()


def assert_accessible(page, axe_source, where):
    violations = axe_violations(page, axe_source)
    assert not violations, format_violations(violations, where)
    assert not page.csp_errors, f"{where}: CSP violations {page.csp_errors}"


def next_time_step():
    """Wait for a fresh 30-second step, so the next code differs from the last one used."""
    time.sleep(30 - time.time() % 30 + 0.5)


def test_enrol_an_authenticator_app_and_sign_in_with_it(tab, site_url, app_newcomer, axe_source):
    page = tab
    enter_password(page, site_url, app_newcomer)
    expect(page).to_have_url(re.compile(r"/admin/security/set-up/"))
    expect(page.locator("h1")).to_have_text("Set up a second factor")
    assert_accessible(page, axe_source, "choosing a second factor")
    shot(page, "1-first-sign-in-choose")

    page.get_by_role("link", name="Authenticator app").click()
    expect(page.locator("img.qr-code")).to_be_visible()
    assert_accessible(page, axe_source, "setting up an authenticator app")
    shot(page, "2-authenticator-app-setup")
    key = base64.b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))

    page.fill("#id_code", "000000")
    page.click("#content input[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("That code did not match")
    assert_accessible(page, axe_source, "a wrong code at set-up")

    page.fill("#id_code", f"{totp(key):06d}")
    page.click("#content input[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_accessible(page, axe_source, "the recovery codes")
    shot(page, "3-recovery-codes")
    page.get_by_role("link", name="I have kept them: go to the admin").click()
    expect(page).to_have_url(f"{site_url}/admin/")

    page.get_by_role("link", name="Sign-in security").click()
    expect(page.locator("h1")).to_have_text("Sign-in security")
    assert_accessible(page, axe_source, "the sign-in security page")
    shot(page, "4-sign-in-security")

    page.get_by_role("button", name="Log out").click()
    next_time_step()
    enter_password(page, site_url, app_newcomer)
    expect(page).to_have_url(re.compile(r"/admin/security/second-step/"))
    page.fill("#id_code", "999999")
    page.click("#content input[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("That code did not work")
    assert_accessible(page, axe_source, "the second step with a wrong code")
    shot(page, "5-second-step-wrong-code")
    page.wait_for_timeout(2_500)  # django-otp refuses any code for a moment after a wrong one
    page.fill("#id_code", f"{totp(key):06d}")
    page.click("#content input[type=submit]")
    expect(page).to_have_url(f"{site_url}/admin/")


def test_enrol_a_passkey_and_sign_in_with_it(tab, site_url, passkey_newcomer, axe_source):
    page = tab
    # WebAuthn needs a domain, not an IP address: the same server as localhost.
    local = site_url.replace("127.0.0.1", "localhost")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {"options": {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                     "hasUserVerification": True, "isUserVerified": True,
                     "automaticPresenceSimulation": True}},
    )  # fmt: skip
    enter_password(page, local, passkey_newcomer)
    page.get_by_role("link", name="Passkey or security key").click()
    button = page.get_by_role("button", name="Set up a passkey")
    expect(button).to_be_visible()
    assert_accessible(page, axe_source, "setting up a passkey")
    shot(page, "6-passkey-setup")
    button.click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: go to the admin").click()
    expect(page).to_have_url(f"{local}/admin/")

    page.get_by_role("button", name="Log out").click()
    enter_password(page, local, passkey_newcomer)
    expect(page).to_have_url(re.compile(r"/admin/security/second-step/"))
    use = page.get_by_role("button", name="Use passkey or security key")
    expect(use).to_be_visible()
    assert_accessible(page, axe_source, "the second step with a passkey")
    shot(page, "7-second-step-passkey")
    use.click()
    expect(page).to_have_url(f"{local}/admin/")
    expect(page.locator("#user-tools")).to_contain_text("Kay")


def test_data_rights_page_is_accessible(tab, site_url, reception_account, axe_source):
    page = tab
    sign_in(page, site_url, reception_account)
    page.goto(f"{site_url}/admin/enquiries/enquiry/")
    page.get_by_role("link", name="Find, export or erase one person's details").click()
    assert_accessible(page, axe_source, "the data rights search")
    page.fill("#id_who", "not a phone")
    page.click("#content input[type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()
    assert_accessible(page, axe_source, "the data rights search with an error")
    page.fill("#id_who", "01632 960555")
    page.click("#content input[type=submit]")
    expect(page.locator("#found")).to_be_visible()
    assert_accessible(page, axe_source, "the data rights results")
    shot(page, "8-data-rights")


def test_audit_trail_and_reset_pages_are_accessible(tab, site_url, admin_account, axe_source):
    page = tab
    sign_in(page, site_url, admin_account)
    page.goto(f"{site_url}/admin/audit/auditentry/")
    expect(page.locator("#result_list")).to_be_visible()
    assert_accessible(page, axe_source, "the audit trail")
    shot(page, "9-audit-trail")
    page.goto(f"{site_url}/admin/auth/user/")
    page.locator("#result_list tbody tr", has_text="browser-editor").locator(
        "input.action-select"
    ).check()
    page.select_option("select[name=action]", "reset_second_factors")
    page.click("button[name=index]")
    expect(page.locator("h1")).to_have_text("Reset second factors")
    assert_accessible(page, axe_source, "the reset confirmation")
    shot(page, "10-reset-confirmation")

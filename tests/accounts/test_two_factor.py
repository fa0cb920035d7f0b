"""Two-factor sign-in: what a password alone can and cannot reach, enrolment, the second step,
recovery codes, throttling, idle time-out, signing out everywhere and an admin's reset."""

import time

import pytest
from django.conf import settings
from django.urls import get_resolver
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pit_site.audit.models import Action, AuditEntry
from tests.conftest import make_staff, sign_in, soup

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-test-password-42"
ADMIN = "/" + settings.ADMIN_PATH
SECOND_STEP = ADMIN + "security/second-step/"
SAMPLE_KWARGS = {"app_label": "enquiries"}


def staff(username="sam", role="editor"):
    user = make_staff(username, role, "Sam Patel")
    user.set_password(PASSWORD)
    user.save()
    return user


def password_only(client, user):
    response = client.post(
        ADMIN + "login/", {"username": user.username, "password": PASSWORD, "next": ADMIN}
    )
    assert response.status_code == 302, "the password step failed"
    return client


def with_app(user):
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def code_for(device, offset=0):
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=offset):06d}"


def admin_urls():
    """Every URL the admin (and reversion-compare, and each ModelAdmin's extra views) serves."""
    prefix, resolver = get_resolver().namespace_dict["admin"]
    urls = set()
    for name in resolver.reverse_dict:
        if not isinstance(name, str):
            continue
        for possibilities, *_ in resolver.reverse_dict.getlist(name):
            for template, params in possibilities:
                kwargs = {param: SAMPLE_KWARGS.get(param, "1") for param in params}
                urls.add((name, "/" + prefix + template % kwargs))
    return sorted(urls)


def test_the_walk_finds_the_admin():
    names = {name for name, _ in admin_urls()}
    assert {"index", "enquiries_enquiry_changelist", "pages_page_change", "auth_user_add",
            "password_change"} <= names  # fmt: skip
    assert len(names) > 50


@pytest.mark.parametrize("role", ["editor", "reviewer", "reception", "admin"])
def test_a_password_only_session_reaches_no_admin_url(client, role):
    user = staff("pat", role)
    with_app(user)
    password_only(client, user)
    for name, url in admin_urls():
        if name in {"login", "logout"}:
            continue
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{method.__name__} {url} ({name})"
            assert response["Location"].startswith(SECOND_STEP), url


@pytest.mark.parametrize("path", ["/editor/preview/", "/editor/upload/"])
def test_a_password_only_session_is_refused_by_the_editor_endpoints(client, path):
    user = staff()
    with_app(user)
    password_only(client, user)
    response = client.post(path, {"content": "# Hello"})
    assert response.status_code == 403
    sign_in(client, user)
    assert client.post(path, {"content": "# Hello"}).status_code != 403 or path.endswith("upload/")


def test_a_password_only_session_sees_no_drafts(client):
    from pit_site.pages.models import Page

    page = Page.objects.filter(status="published").first()
    Page.objects.filter(pk=page.pk).update(status="draft")
    user = staff()
    with_app(user)
    password_only(client, user)
    assert client.get(page.get_absolute_url()).status_code == 404
    sign_in(client, user)
    assert client.get(page.get_absolute_url()).status_code == 200


def test_first_sign_in_sets_up_an_authenticator_app_then_shows_recovery_codes_once(client):
    user = staff()
    password_only(client, user)
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(ADMIN + "security/set-up/")
    assert b"Before you can use the admin, set up a second factor" in response.content

    page = client.get(ADMIN + "security/set-up/app/")
    assert soup(page).select_one("img.qr-code")["src"].startswith("data:image/svg+xml")
    secret = soup(page).select_one("#totp-secret").text.replace(" ", "")
    wrong = client.post(ADMIN + "security/set-up/app/", {"code": "000000"})
    assert b"That code did not match" in wrong.content
    assert not TOTPDevice.objects.filter(user=user).exists()

    import base64

    key = base64.b32decode(secret)
    code = f"{totp(key):06d}"
    done = client.post(ADMIN + "security/set-up/app/", {"code": code}, follow=True)
    codes = [li.text for li in soup(done).select("#recovery-codes code")]
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(ADMIN).status_code == 200  # fully signed in now
    again = client.get(ADMIN + "security/recovery-codes/")
    assert not soup(again).select("#recovery-codes")  # shown once only
    assert AuditEntry.objects.filter(action=Action.FACTOR_ADDED, subject="sam").count() == 2


def test_the_second_step_takes_an_app_code_and_sends_you_on(client):
    user = staff()
    device = with_app(user)
    password_only(client, user)
    page = client.get(SECOND_STEP + "?next=/admin/pages/page/")
    assert page.status_code == 200 and b"authenticator app" in page.content
    response = client.post(SECOND_STEP, {"code": code_for(device), "next": "/admin/pages/page/"})
    assert response.status_code == 302 and response["Location"] == "/admin/pages/page/"
    assert client.get("/admin/pages/page/").status_code == 200
    assert AuditEntry.objects.filter(action=Action.SECOND_STEP, actor=user).count() == 1


def test_a_code_cannot_be_used_twice(client, django_user_model):
    user = staff()
    device = with_app(user)
    code = code_for(device)
    password_only(client, user)
    assert client.post(SECOND_STEP, {"code": code}).status_code == 302
    client.logout()
    password_only(client, user)
    response = client.post(SECOND_STEP, {"code": code})
    assert response.status_code == 200 and b"That code did not work" in response.content


def test_a_recovery_code_works_once_and_says_how_many_are_left(client):
    user = staff()
    with_app(user)
    recovery = StaticDevice.objects.create(user=user, name="Recovery codes")
    recovery.token_set.create(token="abcd2345")
    recovery.token_set.create(token="efgh6789")
    password_only(client, user)
    response = client.post(SECOND_STEP, {"code": "ABCD 2345"}, follow=True)
    assert b"You used a recovery code: 1 left" in response.content
    client.logout()
    password_only(client, user)
    assert b"did not work" in client.post(SECOND_STEP, {"code": "abcd2345"}).content


def test_five_wrong_codes_pause_the_account_like_five_wrong_passwords(client):
    user = staff()
    device = with_app(user)
    password_only(client, user)
    for attempt in range(4):
        response = client.post(SECOND_STEP, {"code": "123456"})
        assert b"That code did not work" in response.content, attempt
    response = client.post(SECOND_STEP, {"code": "123456"})
    assert b"Sign-in paused" in response.content
    # Signed out, and neither the password nor a right code gets back in for now.
    assert client.get(ADMIN)["Location"].startswith(ADMIN + "login/")
    again = client.post(ADMIN + "login/", {"username": "sam", "password": PASSWORD})
    assert b"Sign-in paused" in again.content
    assert AuditEntry.objects.filter(action=Action.SECOND_STEP_FAILED, actor=user).count() == 5
    assert code_for(device)  # the app still works once the pause is over


def test_a_known_password_buys_no_fresh_guesses(client):
    user = staff()
    with_app(user)
    for _ in range(2):
        password_only(client, user)
        for _ in range(2):
            client.post(SECOND_STEP, {"code": "123456"})
        client.logout()
    password_only(client, user)
    assert b"Sign-in paused" in client.post(SECOND_STEP, {"code": "123456"}).content


def test_an_idle_session_ends(client, settings):
    settings.STAFF_IDLE_MINUTES = 30
    user = staff()
    sign_in(client, user)
    assert client.get(ADMIN).status_code == 200
    session = client.session
    session["staff_last_seen"] = time.time() - 31 * 60
    session.save()
    response = client.get(ADMIN + "pages/page/", follow=True)
    assert response.redirect_chain[0][0].startswith(ADMIN + "login/")
    assert b"signed out after 30 minutes without activity" in response.content


def test_an_active_session_carries_on(client):
    user = staff()
    sign_in(client, user)
    session = client.session
    session["staff_last_seen"] = time.time() - 29 * 60
    session.save()
    assert client.get(ADMIN).status_code == 200


def test_signing_out_everywhere_ends_every_session(client, django_user_model):
    from django.test import Client

    user = staff()
    other = sign_in(Client(), user)
    sign_in(client, user)
    assert other.get(ADMIN).status_code == 200
    response = client.post(ADMIN + "security/sign-out-everywhere/", follow=True)
    assert b"signed out on every computer" in response.content
    assert other.get(ADMIN)["Location"].startswith(ADMIN + "login/")
    assert client.get(ADMIN)["Location"].startswith(ADMIN + "login/")
    # Signing in again afterwards works.
    sign_in(other, user)
    assert other.get(ADMIN).status_code == 200


def test_you_keep_at_least_one_factor_and_can_remove_others(client):
    user = staff()
    first = with_app(user)
    sign_in(client, user)
    page = client.get(ADMIN + "security/")
    assert b"Add another before you can remove" in page.content
    response = client.post(ADMIN + f"security/remove/app/{first.pk}/", follow=True)
    assert b"This is your only passkey or authenticator app" in response.content
    assert TOTPDevice.objects.filter(user=user).count() == 1
    second = TOTPDevice.objects.create(user=user, name="Spare phone", confirmed=True)
    client.post(ADMIN + f"security/remove/app/{second.pk}/")
    assert list(TOTPDevice.objects.filter(user=user)) == [first]
    assert AuditEntry.objects.filter(action=Action.FACTOR_REMOVED, subject="sam").count() == 1


def test_you_cannot_remove_someone_elses_factor(client):
    user, other = staff(), staff("kim")
    with_app(user)
    theirs = with_app(other)
    TOTPDevice.objects.create(user=other, name="Spare", confirmed=True)
    sign_in(client, user)
    assert client.post(ADMIN + f"security/remove/app/{theirs.pk}/").status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_password_only_cannot_add_a_factor_once_one_exists(client):
    user = staff()
    with_app(user)
    password_only(client, user)
    assert client.get(ADMIN + "security/set-up/app/")["Location"].startswith(SECOND_STEP)
    begin = client.post(ADMIN + "security/passkeys/registration/begin/")
    assert begin.status_code == 403


def test_an_admin_resets_someones_factors_with_a_reason(client):
    boss = staff("boss", "admin")
    sam = staff()
    with_app(sam)
    StaticDevice.objects.create(user=sam, name="Recovery codes")
    sign_in(client, boss)
    data = {"action": "reset_second_factors", "_selected_action": [sam.pk]}
    confirm = client.post(ADMIN + "auth/user/", data)
    assert b"Why are you resetting" in confirm.content
    assert TOTPDevice.objects.filter(user=sam).exists()
    client.post(ADMIN + "auth/user/", {**data, "confirm": "1", "reason": "Lost phone"})
    assert not TOTPDevice.objects.filter(user=sam).exists()
    assert not StaticDevice.objects.filter(user=sam).exists()
    entry = AuditEntry.objects.get(action=Action.FACTORS_RESET)
    assert entry.actor == boss and entry.subject == "sam" and "Lost phone" in entry.detail
    # Sam's next sign-in asks for a new factor.
    sam_client = password_only(client.__class__(), sam)
    assert (
        sam_client.get(ADMIN, follow=True)
        .redirect_chain[-1][0]
        .startswith(ADMIN + "security/set-up/")
    )


def test_the_factor_tables_are_not_in_the_admin(admin_client):
    for path in ["otp_totp/totpdevice/", "otp_static/staticdevice/",
                 "django_otp_webauthn/webauthncredential/"]:  # fmt: skip
        assert admin_client.get(ADMIN + path).status_code == 404

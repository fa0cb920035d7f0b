"""Security headers on public pages, forms, the admin and media."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pit_site.pages.models import Image
from tests.test_settings import GOOD_KEY

pytestmark = pytest.mark.django_db

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def csp(response):
    return dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )


def assert_hardened(response):
    for name, value in COMMON.items():
        assert response[name] == value, name
    policy = csp(response)
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("url", ["/", "/faqs/", "/conditions/knee-pain/", "/no-such-page/"])
def test_public_pages(client, url):
    assert_hardened(client.get(url))


def test_contact_form_and_its_confirmation(client):
    assert_hardened(client.get("/contact/"))
    assert_hardened(client.get("/contact/sent/"))


def test_admin_sign_in_and_pages(client, editor_client):
    assert_hardened(Client().get("/admin/login/"))
    assert_hardened(editor_client.get("/admin/pages/page/"))
    assert_hardened(editor_client.get("/admin/"))


def test_media_gets_its_own_locked_down_policy(editor_client, settings, tmp_path):
    from PIL import Image as PILImage

    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    PILImage.new("RGB", (4, 4)).save(out, "PNG")
    editor_client.post(
        "/editor/upload/", {"image": SimpleUploadedFile("x.png", out.getvalue(), "image/png")}
    )
    response = Client().get(Image.objects.get().file.url)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_cookies_are_http_only(client):
    from tests.conftest import soup

    token = soup(client.get("/contact/")).find("input", attrs={"name": "shown"})["value"]
    response = client.post("/contact/", {"name": "x", "shown": token})
    cookie = response.cookies.get(settings.CSRF_COOKIE_NAME) or client.cookies.get(
        settings.CSRF_COOKIE_NAME
    )
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_production_settings_are_strict_and_pass_the_deploy_check():
    env = {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "clinic.example"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE":
             "pit_site.settings", "DJANGO_DEBUG": "0", "DJANGO_SECURE": "", **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_hsts_and_https_redirect_in_production_but_not_for_local_http():
    code = (
        "import json, django; from django.conf import settings as s; django.setup();"
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER]))"
    )

    def read(**env):
        base = {k: v for k, v in os.environ.items()
                if not k.startswith("DJANGO_")}  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={**base, "DJANGO_SETTINGS_MODULE": "pit_site.settings",
                 "DJANGO_SECRET_KEY": GOOD_KEY, **env}, cwd=settings.BASE_DIR,
        )  # fmt: skip
        return json.loads(out.stdout)

    assert read() == [31_536_000, True, True, True, ["HTTP_X_FORWARDED_PROTO", "https"]]
    assert read(DJANGO_SECURE="0")[:4] == [0, False, False, False]


def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")

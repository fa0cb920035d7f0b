"""Who may open which admin page: every URL of the admin, for every staff role.

The test walks the admin's whole URLconf (so a URL added later, by this project or by a
library, fails here until someone decides who may open it), fills each pattern with the id of
a real object, and opens it as each role. Allowed means 200 (or the redirect named below);
refused means 403, or 404 where Django hides that the page exists.
"""

import re
from io import BytesIO

import pytest
import reversion
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver
from PIL import Image as PILImage
from reversion.models import Version

from pit_site.audit.models import Action, record
from pit_site.clinic.models import Clinic
from pit_site.enquiries.models import Enquiry, ExportRecord
from pit_site.feedback.models import Feedback
from pit_site.pages.models import Image, Page
from pit_site.references.models import Reference
from pit_site.search.models import Synonym, UnmatchedSearch
from tests.conftest import make_staff, sign_in

pytestmark = pytest.mark.django_db

ROLES = ["editor", "reviewer", "reception", "admin", "no_groups"]
EDITORS = {"editor", "reviewer", "admin"}
RECEPTION = {"reception", "admin"}
ADMIN = {"admin"}
NOBODY = set()
EVERYONE = set(ROLES)

# Per model: who may open its list, add, change (or view), history and delete pages.
MODELS = {
    "auth/group": {"view": ADMIN, "add": ADMIN, "delete": ADMIN},
    "auth/user": {"view": ADMIN, "add": ADMIN, "delete": ADMIN},
    "axes/accessattempt": {"view": ADMIN, "add": NOBODY, "delete": ADMIN},
    "axes/accesslog": {"view": ADMIN, "add": NOBODY, "delete": ADMIN},
    "axes/accessfailurelog": {"view": ADMIN, "add": NOBODY, "delete": ADMIN},
    "clinic/clinic": {"view": EDITORS, "add": NOBODY, "delete": NOBODY},
    "pages/page": {"view": EDITORS, "add": EDITORS, "delete": EDITORS},
    "pages/image": {"view": EDITORS, "add": EDITORS, "delete": EDITORS},
    "references/reference": {"view": EDITORS, "add": EDITORS, "delete": EDITORS},
    "enquiries/enquiry": {"view": RECEPTION, "add": NOBODY, "delete": ADMIN},
    "enquiries/exportrecord": {"view": RECEPTION, "add": NOBODY, "delete": NOBODY},
    "feedback/feedback": {"view": EDITORS, "add": NOBODY, "delete": EDITORS},
    "search/synonym": {"view": EDITORS, "add": EDITORS, "delete": EDITORS},
    "search/unmatchedsearch": {"view": EDITORS, "add": NOBODY, "delete": EDITORS},
    "audit/auditentry": {"view": ADMIN, "add": NOBODY, "delete": NOBODY},
}
# Extra pages of a model's admin, by their address after the model's.
EXTRA = {
    ("enquiries/enquiry", "data-rights/"): RECEPTION,  # find, export or erase one person
    ("audit/auditentry", "export/"): ADMIN,  # the audit trail as CSV
}
# The pages of django-reversion(-compare) on the page model.
REVERSION = {
    "history/compare/": EDITORS,  # two versions side by side, drafts included
    "history/<version>/": EDITORS,  # one old version, to revert to
    "recover/": EDITORS,
    "recover/<version>/": EDITORS,
}
SITE_WIDE = {
    "": (EVERYONE, 200),
    "login/": (EVERYONE, 302),  # already signed in: on to the admin index
    "logout/": (NOBODY, None),  # POST only: a GET is 405 for everyone
    "password_change/": (EVERYONE, 200),
    "password_change/done/": (EVERYONE, 200),
    "autocomplete/": (NOBODY, None),  # no autocomplete fields: refused for every field
    "jsi18n/": (EVERYONE, 200),
    "r/<ct>/<id>/": (EVERYONE, 302),  # "view on site": a redirect, the page checks access
    "auth/": (ADMIN, 200),
    "axes/": (ADMIN, 200),
    "clinic/": (EDITORS, 200),
    "pages/": (EDITORS, 200),
    "references/": (EDITORS, 200),
    "enquiries/": (RECEPTION, 200),
    "audit/": (ADMIN, 200),
    "feedback/": (EDITORS, 200),
    "search/": (EDITORS, 200),
    "no-such-page/": (NOBODY, None),
}


def admin_routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from admin_routes(pattern.url_patterns, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route


def tiny_png():
    buffer = BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="tiny.png")


@pytest.fixture
def objects(settings, tmp_path):
    """A real object of every model in the admin, and versions of a draft page."""
    settings.MEDIA_ROOT = tmp_path
    with reversion.create_revision():
        draft = Page.objects.create(path="secret-draft", title="Draft", summary="s", body="One.")
    with reversion.create_revision():
        draft.body = "Two."
        draft.save()
    with reversion.create_revision():
        gone = Page.objects.create(path="deleted-page", title="Gone", summary="s", body="x")
    gone.delete()
    versions = Version.objects.get_for_object(draft).order_by("pk")
    enquiry = Enquiry.objects.create(
        name="Pat", email="pat@example.com", kind="question", consent_at="2026-01-01T00:00Z"
    )
    return {
        "auth/group": Group.objects.first(),
        "auth/user": User.objects.create_user("someone", is_staff=True),
        "axes/accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="203.0.113.1", failures_since_start=1
        ),
        "axes/accesslog": AccessLog.objects.create(username="x", ip_address="203.0.113.1"),
        "axes/accessfailurelog": AccessFailureLog.objects.create(
            username="x", ip_address="203.0.113.1"
        ),
        "clinic/clinic": Clinic.load(),
        "pages/page": draft,
        "pages/image": Image.objects.create(file=tiny_png()),
        "references/reference": Reference.objects.create(
            key="smith2020", study_type="review", title="A review", url="https://example.org/"
        ),
        "enquiries/enquiry": enquiry,
        "enquiries/exportrecord": ExportRecord.objects.create(count=1, references="PIT-X"),
        "feedback/feedback": Feedback.objects.create(page=draft, helpful=False, comment="Hm."),
        "search/synonym": Synonym.objects.first(),
        "search/unmatchedsearch": UnmatchedSearch.objects.create(day="2026-12-01", words="xyz"),
        "audit/auditentry": record(Action.SIGN_IN, actor=User.objects.create_user("audited")),
        "versions": (versions[0].pk, versions[1].pk),
        "deleted": Version.objects.get_deleted(Page).get().pk,
    }


@pytest.fixture
def users(db):
    staff = {role: make_staff(f"user-{role}", role) for role in ROLES if role != "no_groups"}
    staff["no_groups"] = User.objects.create_user("loner", is_staff=True)
    return staff


def expectations(route, objects):
    """(url, roles allowed, status when allowed) for one admin route."""
    model = next((m for m in MODELS if route.startswith(m + "/")), None)
    if model is None:
        key = re.sub(r"\(\?P<app_label>[^)]*\)", "", route)
        key = key.replace("<path:content_type_id>/<path:object_id>", "<ct>/<id>")
        if key == "(?P<url>.*)":
            key = "no-such-page/"
        apps = ("auth", "axes", "audit", "clinic", "feedback", "pages", "references", "enquiries")
        for app in (*apps, "search"):
            if route.startswith("(?P<app_label>"):
                yield f"/admin/{app}/", *SITE_WIDE[f"{app}/"]
        if route.startswith("(?P<app_label>"):
            return
        roles, status = SITE_WIDE[key]
        page = objects["pages/page"]
        url = key.replace("<ct>", str(ContentType.objects.get_for_model(Page).pk))
        yield "/admin/" + url.replace("<id>", str(page.pk)), roles, status
        return
    obj = objects[model]
    rest = route[len(model) + 1 :]
    rest = rest.replace("<path:object_id>", str(obj.pk)).replace("<str:object_id>", str(obj.pk))
    rest = rest.replace("<id>", str(obj.pk)).replace("([^/]+)", str(obj.pk))
    base = f"/admin/{model}/"
    rules = MODELS[model]
    old, new = objects["versions"]
    if (model, rest) in EXTRA:
        yield base + rest, EXTRA[model, rest], 200
    elif rest.endswith("history/compare/"):
        yield (
            f"{base}{rest}?version_id1={old}&version_id2={new}",
            REVERSION["history/compare/"],
            200,
        )
    elif rest.endswith("/history/(\\d+)/"):
        yield base + rest.replace("(\\d+)", str(old)), REVERSION["history/<version>/"], 200
    elif rest == "recover/(\\d+)/":
        yield f"{base}recover/{objects['deleted']}/", REVERSION["recover/<version>/"], 200
    elif rest == "recover/":
        yield base + rest, REVERSION["recover/"], 200
    elif rest == "":
        # The clinic's list goes straight to its one set of details.
        yield base, rules["view"], 302 if model == "clinic/clinic" else 200
    elif rest == "add/":
        yield base + rest, rules["add"], 200
    elif rest.endswith("/delete/"):
        yield base + rest, rules["delete"], 200
    elif rest.endswith("/password/"):
        yield base + rest, ADMIN, 200
    elif rest.endswith(("/change/", "/history/")):
        yield base + rest, rules["view"], 200
    elif re.fullmatch(r"\d+/", rest):
        yield base + rest, EVERYONE, 302  # Django's old-style address: on to /change/
    else:
        raise AssertionError(f"No rule for admin URL {route!r}: decide who may open it.")


def test_every_admin_url_opens_only_for_the_roles_allowed(users, objects):
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        sign_in(clients[role], user)
    checked, wrong = 0, []
    for route in admin_routes(admin.site.urls[0]):
        for url, allowed, status in expectations(route, objects):
            for role, client in clients.items():
                response = client.get(url)
                got = response.status_code
                if role in allowed:
                    ok = got == status and "/login/" not in response.get("Location", "")
                else:
                    ok = got in (403, 404, 405)
                if not ok:
                    expected = status if role in allowed else "refused"
                    wrong.append(f"{role:9} {url}: {got}, expected {expected}")
                checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked > 300


def test_reception_and_staff_without_groups_cannot_read_a_drafts_versions(client, users, objects):
    page = objects["pages/page"]
    old, new = objects["versions"]
    compare = f"/admin/pages/page/{page.pk}/history/compare/?version_id1={old}&version_id2={new}"
    for role in ("reception", "no_groups"):
        sign_in(client, users[role])
        for url in (compare, f"/admin/pages/page/{page.pk}/history/{old}/"):
            response = client.get(url)
            assert response.status_code == 403, url
            assert b"One." not in response.content
    sign_in(client, users["editor"])
    assert b"One." in client.get(compare).content

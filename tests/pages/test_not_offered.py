"""A condition the clinic does not offer is hidden from patients, not deleted (issue 11)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from pit_site.pages.export import serialize
from pit_site.pages.models import Kind, Page
from tests.conftest import soup
from tests.pages.test_page_admin import form_data

pytestmark = pytest.mark.django_db

CARPAL = "conditions/carpal-tunnel-syndrome"


@pytest.fixture
def hidden():
    page = Page.objects.get(path=CARPAL)
    page.not_offered = True
    page.save()
    return page


def test_a_condition_not_offered_is_hidden_everywhere_patients_look(client, hidden):
    assert client.get(f"/{CARPAL}/").status_code == 404
    conditions = soup(client.get("/conditions/"))
    assert not conditions.select(f"a[href='/{CARPAL}/']")
    assert conditions.select("a[href='/conditions/knee-pain/']")  # the others still listed
    assert f"/{CARPAL}/</loc>" not in client.get("/sitemap.xml").content.decode()
    options = [o.text for o in soup(client.get("/contact/")).select("#id_condition option")]
    assert "Carpal tunnel syndrome" not in options and "Knee pain" in options


def test_staff_still_see_it_with_a_note_that_patients_cannot(editor_client, hidden):
    response = editor_client.get(f"/{CARPAL}/")
    assert response.status_code == 200
    assert "Not offered here:" in soup(response).select_one(".staff-bar").text
    assert Page.objects.filter(path=CARPAL).exists()


def test_offering_it_again_brings_it_back(client, hidden):
    hidden.not_offered = False
    hidden.save()
    assert client.get(f"/{CARPAL}/").status_code == 200


def write(root, name, text):
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


FRONT = """---
title: {title}
summary: A page used by the tests, with a summary long enough to be real.
kind: {kind}
order: 5
{extra}---

## What is it?

Text.
"""


def load(root):
    out, err = StringIO(), StringIO()
    try:
        call_command("load_content", "--dir", str(root), stdout=out, stderr=err)
    except CommandError as error:  # some file could not be loaded: the report says which
        err.write(str(error))
    return out.getvalue() + err.getvalue()


def test_the_front_matter_key_hides_a_condition_and_exports_back_byte_for_byte(tmp_path):
    text = FRONT.format(
        title="Wrist ganglion",
        kind="condition",
        extra="region: wrist-and-hand\nevidence: very-limited\nnot_offered: true\n"
        "review: awaiting clinical review\n",
    )
    write(tmp_path, "conditions/wrist-ganglion.md", text)
    assert "0 errors" in load(tmp_path)
    page = Page.objects.get(path="conditions/wrist-ganglion")
    assert page.not_offered and not page.is_public
    assert serialize(page) == text
    # Offered (the default) is left out of the file, so existing files are unchanged.
    page.not_offered = False
    assert "not_offered" not in serialize(page)


@pytest.mark.parametrize(
    ("kind", "extra", "error"),
    [
        ("page", "not_offered: true\n", "Only condition pages can be marked not offered"),
        (
            "condition",
            "region: wrist-and-hand\nevidence: limited\nnot_offered: perhaps\n",
            "not_offered must be true or false",
        ),
    ],
)
def test_the_front_matter_key_is_checked(tmp_path, kind, extra, error):
    write(tmp_path, "thing.md", FRONT.format(title="Thing", kind=kind, extra=extra))
    assert error in load(tmp_path)
    assert not Page.objects.filter(path="thing").exists()


def test_editors_tick_it_in_the_admin_and_only_for_conditions(editor_client):
    patient = Client()
    page = Page.objects.get(path=CARPAL)
    url = f"/admin/pages/page/{page.pk}/change/"
    assert soup(editor_client.get(url)).select_one("input[name=not_offered][type=checkbox]")
    response = editor_client.post(url, form_data(page, not_offered="on"))
    assert response.status_code == 302
    assert patient.get(f"/{CARPAL}/").status_code == 404

    about = Page.objects.get(path="about")
    assert about.kind == Kind.PAGE
    response = editor_client.post(
        f"/admin/pages/page/{about.pk}/change/", form_data(about, not_offered="on")
    )
    assert response.status_code == 200
    assert "Only condition pages" in str(response.context["adminform"].form.errors)
    assert patient.get("/about/").status_code == 200

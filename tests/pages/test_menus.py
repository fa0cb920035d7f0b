"""The header and footer menus: built from the pages, only what patients can open, in the
order editors give, and fresh on cached pages the moment a page changes."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from pit_site.pages.models import CONTENT_FIELDS, Page, Status
from tests.conftest import soup

pytestmark = pytest.mark.django_db

# What base.html linked to before menus came from the pages (the site must look the same), and
# the team, complaints and glossary pages added since.
HEADER = [
    ("/what-is-pit/", "What is PIT?"),
    ("/your-treatment/", "Your treatment"),
    ("/conditions/", "Conditions"),
    ("/faqs/", "FAQs"),
    ("/evidence/", "Evidence"),
    ("/contact/", "Contact"),
]
FOOTER = [
    ("/about/", "About us"),
    ("/team/", "Our team"),
    ("/complaints/", "Complaints"),
    ("/fees/", "Fees and insurance"),
    ("/privacy/", "Privacy notice"),
    ("/accessibility/", "Accessibility statement"),
    ("/glossary/", "Research words explained"),
]
HEADER_LINKS = 'nav[aria-label="Main"] a'
FOOTER_LINKS = 'nav[aria-label="Site information"] a'


def links(html, selector):
    return [(a["href"], a.get_text(strip=True)) for a in html.select(selector)]


def public_urls():
    return [page.get_absolute_url() for page in Page.objects.published()]


def test_the_shipped_menus_are_the_links_the_site_always_had(client):
    html = soup(client.get("/"))
    assert links(html, HEADER_LINKS) == HEADER
    assert links(html, FOOTER_LINKS) == FOOTER


def test_the_current_page_is_marked_in_the_header(client):
    current = soup(client.get("/faqs/")).select(f'{HEADER_LINKS}[aria-current="page"]')
    assert [a["href"] for a in current] == ["/faqs/"]


@pytest.fixture
def served():
    """served(path) -> (status, html) through the site's page cache, as patients get it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from pit_site.pagecache import PageCache
    from pit_site.wsgi import django_application

    page_cache = PageCache(django_application)  # a fresh one: no entries from other tests

    def get(path):
        # The real handler's request signals would close the test's transaction (and the
        # test client connects them again after each of its requests).
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        page_cache.version_checked = 0  # notice a new content version at once
        environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
        seen = {}
        body = b"".join(page_cache(environ, lambda status, headers: seen.update(status=status)))
        return int(seen["status"][:3]), BeautifulSoup(body.decode(), "html.parser")

    yield get
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_unpublishing_a_page_takes_its_link_out_of_every_menu_on_every_page(served, editor_client):
    menus = f"{HEADER_LINKS}, {FOOTER_LINKS}"
    urls = public_urls()
    for url in urls:  # every page now cached, with the fees link in its footer
        assert "/fees/" in [href for href, _ in links(served(url)[1], menus)], url
    fees = Page.objects.get(path="fees")
    editor_client.post("/admin/pages/page/", {"action": "unpublish", "_selected_action": [fees.pk]})

    assert served("/fees/")[0] == 404
    for url in [*urls, "/no-such-page/"]:
        if url != "/fees/":
            status, html = served(url)
            assert "/fees/" not in [href for href, _ in links(html, menus)], (url, status)


def test_a_page_leaves_the_menu_when_unticked_and_joins_when_ticked(client):
    Page.objects.filter(path="evidence").update(header_menu=False)
    safety = Page.objects.get(path="safety")
    safety.footer_menu = True
    safety.save()  # bumps the content version, as any save does
    html = soup(client.get("/"))
    assert "/evidence/" not in [href for href, _ in links(html, HEADER_LINKS)]
    assert ("/safety/", safety.nav_title) in links(html, FOOTER_LINKS)


def test_a_draft_in_a_menu_is_left_out_for_patients(client):
    about = Page.objects.get(path="about")
    about.status = Status.DRAFT
    about.save()
    assert links(soup(client.get("/")), FOOTER_LINKS) == FOOTER[1:]


def soup_cells(rows):
    return [cell for row in rows for cell in row.select("td.field-menu_label")]


def test_editors_reorder_a_menu_from_the_page_list(editor_client, client):
    url = "/admin/pages/page/?header_menu__exact=1"
    rows = soup(editor_client.get(url)).select("#result_list tbody tr")
    assert len(rows) == len(HEADER)
    assert "Header: FAQs" in [cell.get_text(strip=True) for cell in soup_cells(rows)]
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    new_order = {"contact": 1, "faqs": 2}  # Contact first, then FAQs, then the rest as before
    for index, page in enumerate(Page.objects.filter(header_menu=True).order_by("order", "title")):
        data[f"form-{index}-id"] = page.pk
        data[f"form-{index}-order"] = new_order.get(page.path, page.order)
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]

    hrefs = [href for href, _ in links(soup(client.get("/")), HEADER_LINKS)]
    assert hrefs == ["/contact/", "/faqs/", "/what-is-pit/", "/your-treatment/", "/conditions/",
                     "/evidence/"]  # fmt: skip


def menu_queries(queries):
    return [q["sql"] for q in queries if "header_menu" in q["sql"].partition("WHERE")[2]]


def test_menus_are_read_from_the_database_once_per_content_change(client):
    client.get("/contact/")  # rendered by Django on every request (its form has a CSRF token)
    with CaptureQueriesContext(connection) as queries:
        client.get("/contact/")
    assert not menu_queries(queries)

    Page.objects.get(path="faqs").save()
    with CaptureQueriesContext(connection) as queries:
        client.get("/contact/")
    assert len(menu_queries(queries)) == 1


def test_unpublishing_a_page_names_the_published_pages_that_still_link_to_it(editor_client):
    fees = Page.objects.get(path="fees")
    response = editor_client.post(
        "/admin/pages/page/", {"action": "unpublish", "_selected_action": [fees.pk]}, follow=True
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1, warnings
    assert "/fees/" in warnings[0]
    assert "Frequently asked questions" in warnings[0] and "Perineural Injection" in warnings[0]

    quiet = Page.objects.get(path="accessibility")  # only the footer links to it: no warning
    response = editor_client.post(
        f"/admin/pages/page/{quiet.pk}/change/", form_data(quiet, status=Status.DRAFT), follow=True
    )
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]
    faqs = Page.objects.get(path="faqs")
    response = editor_client.post(
        f"/admin/pages/page/{faqs.pk}/change/", form_data(faqs, status=Status.DRAFT), follow=True
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings and "/faqs/" in warnings[0] and " more." in warnings[0]  # a dozen pages


def form_data(page, **changes):
    data = {name: getattr(page, name) or "" for name in ["path", *CONTENT_FIELDS]}
    data.update(header_menu=page.header_menu or "", footer_menu=page.footer_menu or "")
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_the_migration_links_what_base_html_linked_and_keeps_editors_changes(client):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "pit_site.pages.migrations.0007_page_header_and_footer_menus"
    )
    # As an upgraded database has them: no flags, the old orders and labels...
    Page.objects.update(header_menu=False, footer_menu=False)
    for path, _menu, (old_order, _), (old_label, _) in migration.MENUS:
        Page.objects.filter(path=path).update(order=old_order, nav_title=old_label)
    Page.objects.filter(path="privacy").update(nav_title="Your privacy")  # ...one edited
    migration.link_the_pages_base_html_linked(apps, None)

    html = soup(client.get("/"))
    assert links(html, HEADER_LINKS) == HEADER
    assert links(html, FOOTER_LINKS) == [
        ("/about/", "About us"),
        ("/fees/", "Fees and insurance"),
        ("/privacy/", "Your privacy"),
        ("/accessibility/", "Accessibility statement"),
    ]

"""axe-core (WCAG 2.2 AA tags), reflow and basic page structure on every public page.

The page list comes from the content/ folder when the tests are collected, plus a 404 page;
test_page_list_matches_sitemap checks it against the running site's sitemap.
"""

import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import pytest

from .helpers import (
    AXE_TAGS,
    NARROW,
    NOT_FOUND_PATH,
    VIEWPORTS,
    assert_no_horizontal_scroll,
    content_paths,
    format_violations,
    path_id,
)

pytestmark = pytest.mark.browser

# The search page in each of its states: empty, results, "Did you mean", nothing found.
SEARCH_PATHS = {
    "/search/": "search",
    "/search/?q=heel+pain": "search-results",
    "/search/?q=planter+fashitis": "search-did-you-mean",
    "/search/?q=xylophone+lessons": "search-no-results",
}
PATHS = [*content_paths(), NOT_FOUND_PATH, *SEARCH_PATHS]
PATH_PARAMS = [
    pytest.param(p, id="404" if p == NOT_FOUND_PATH else SEARCH_PATHS.get(p) or path_id(p))
    for p in PATHS
]


def expected_status(path):
    return 404 if path == NOT_FOUND_PATH else 200


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", PATH_PARAMS)
def test_page_is_accessible(shared_page, axe_source, path, viewport):
    width, height = VIEWPORTS[viewport]
    where = f"{path} at {viewport} {width}x{height}"
    page, response = shared_page(path, viewport)
    assert response.status == expected_status(path), where

    page.evaluate(axe_source)
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results["violations"]
    assert not violations, format_violations(violations, where)

    assert_no_horizontal_scroll(page, width, where)

    h1_texts = page.locator("h1").all_inner_texts()
    assert len(h1_texts) == 1, f"{where}: expected exactly one <h1>, found {h1_texts}"
    assert h1_texts[0].strip(), f"{where}: the <h1> is empty"

    descriptions = page.locator('head meta[name="description"]')
    assert descriptions.count() == 1, f"{where}: expected one meta description"
    content = (descriptions.get_attribute("content") or "").strip()
    assert content, f"{where}: the meta description is empty"


@pytest.mark.parametrize("path", PATH_PARAMS)
def test_no_horizontal_scroll_at_320px(shared_page, path):
    page, response = shared_page(path, "narrow")
    assert response.status == expected_status(path)
    assert_no_horizontal_scroll(page, NARROW[0], f"{path} at {NARROW[0]}x{NARROW[1]}")


def test_page_list_matches_sitemap(site_url):
    """Every page in the sitemap is tested here, and every tested page is in the sitemap."""
    with urllib.request.urlopen(f"{site_url}/sitemap.xml", timeout=10) as response:  # noqa: S310
        tree = ET.fromstring(response.read())  # noqa: S314 - our own server
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    in_sitemap = {urlparse(loc.text).path for loc in tree.iter(f"{namespace}loc")}
    in_content = set(content_paths())
    assert in_sitemap == in_content, (
        f"only in sitemap: {sorted(in_sitemap - in_content)}; "
        f"only in content/: {sorted(in_content - in_sitemap)}"
    )

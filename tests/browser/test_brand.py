"""The guiding home page, the dark colour scheme and the printed leaflet, in Chromium."""

import re

import pytest

from .helpers import (
    NARROW,
    VIEWPORTS,
    assert_no_horizontal_scroll,
    axe_violations,
    format_violations,
    viewport_size,
)

pytestmark = pytest.mark.browser

KNEE_PATH = "/conditions/knee-pain/"
# The questions patients come with, in content/index.md's order, and where each one leads.
HOME_CARDS = [
    ("Is PIT right for me?", "/what-is-pit/#who-might-pit-suit"),
    ("Conditions", "/conditions/"),
    ("Your first visit", "/your-treatment/"),
    ("Safety and side effects", "/safety/"),
    ("Costs", "/fees/"),
    ("Evidence", "/evidence/"),
    ("Contact us", "/contact/"),
]
CARD_LINKS = ".home .prose > ul:first-of-type li > a"
KEY_PATHS = ["/", "/conditions/", KNEE_PATH, "/your-treatment/", "/contact/", "/faqs/"]
# Left out of a printed leaflet.
NOT_PRINTED = [
    ".skip-link",
    "nav[aria-label=Main]",
    ".header-search",
    ".breadcrumbs",
    ".feedback",
    ".print-page",
    ".footer-grid",
]
PDF_PAGE_RE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")

RING_JS = (
    "el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth, "
    "getComputedStyle(el).boxShadow]"
)
# Counts calls instead of opening the print dialog (which would block a headless run).
FAKE_PRINT_JS = "() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }"


@pytest.fixture(scope="module")
def dark_context(chromium):
    """dark_context(viewport): contexts whose pages prefer the dark colour scheme."""
    contexts = {}

    def get(viewport):
        if viewport not in contexts:
            contexts[viewport] = chromium.new_context(
                viewport=viewport_size(viewport), color_scheme="dark", locale="en-GB"
            )
        return contexts[viewport]

    yield get
    for context in contexts.values():
        context.close()


def test_the_home_cards_answer_the_patients_questions_on_a_phones_first_screen(open_page):
    page, _ = open_page("/", "phone")
    cards = page.locator(CARD_LINKS)
    assert [(a.inner_text(), a.get_attribute("href")) for a in cards.all()] == HOME_CARDS
    height = VIEWPORTS["phone"][1]
    for card in cards.all():
        box = card.locator("xpath=..").bounding_box()
        assert box["y"] + box["height"] <= height, (
            f"the {card.inner_text()!r} card ends at {box['y'] + box['height']:.0f}px, below "
            f"the first screen of a {VIEWPORTS['phone'][0]}x{height} phone"
        )


def test_a_whole_card_is_its_link(open_page):
    page, _ = open_page("/", "phone")
    card = page.locator(CARD_LINKS).nth(3).locator("xpath=..")
    box = card.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 8, box["y"] + box["height"] - 6)  # not the words
    page.wait_for_url("**/safety/")


def test_the_home_page_offers_booking_the_phone_hours_and_urgent_help(open_page, site_url):
    page, _ = open_page("/", "desktop")
    book = page.get_by_role("link", name="Book an assessment")
    assert book.get_attribute("href") == "/contact/"
    assert book.is_visible() and book.bounding_box()["y"] < VIEWPORTS["desktop"][1]
    panel = page.locator(".home-contact")
    phone = panel.locator("a[href^='tel:']")
    assert re.fullmatch(r"[\d +()-]{6,}", phone.inner_text()), phone.inner_text()
    assert re.search(r"\d", panel.locator("dd").nth(1).inner_text()), "opening hours missing"
    urgent = page.locator(".home-urgent")
    assert "Not for emergencies" in urgent.inner_text()
    assert urgent.locator("a[href='#urgent-help']").count() == 1
    assert page.locator(".print-page").count() == 0, "the home page is not a leaflet"


def test_focus_on_a_home_card_rings_the_whole_card(open_page):
    page, _ = open_page("/", "desktop")
    page.locator(CARD_LINKS).first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # a keyboard focus, so :focus-visible applies
    ring = page.locator(CARD_LINKS).first.locator("xpath=..").evaluate(RING_JS)
    assert ring[0] == "solid" and float(ring[1].removesuffix("px")) >= 2, ring
    assert "6px" in ring[2], f"no outer --focus ring: {ring}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", KEY_PATHS)
def test_the_dark_scheme_is_dark_and_accessible(dark_context, site_url, axe_source, path, viewport):
    page = dark_context(viewport).new_page()
    try:
        assert page.goto(site_url + path).status == 200
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        channels = [int(n) for n in re.findall(r"\d+", background)[:3]]
        assert max(channels) < 64, f"{path}: the dark scheme did not apply ({background})"
        violations = axe_violations(page, axe_source)
        assert not violations, format_violations(violations, f"{path} dark at {viewport}")
    finally:
        page.close()


def test_the_dark_scheme_does_not_scroll_sideways_at_320px(chromium, site_url):
    context = chromium.new_context(viewport=viewport_size("narrow"), color_scheme="dark")
    try:
        page = context.new_page()
        for path in KEY_PATHS:
            page.goto(site_url + path)
            assert_no_horizontal_scroll(page, NARROW[0], f"{path} dark at {NARROW[0]}px")
    finally:
        context.close()


@pytest.fixture
def leaflet(open_page):
    """The knee page in print emulation (light scheme, as printers get it)."""
    page, _ = open_page(KNEE_PATH, "desktop")
    page.emulate_media(media="print")
    return page


def test_the_knee_leaflet_fits_on_three_a4_pages(leaflet):
    pages = len(PDF_PAGE_RE.findall(leaflet.pdf(format="A4")))
    assert 1 <= pages <= 3, f"the knee page prints on {pages} A4 pages"


def test_the_leaflet_leaves_out_the_site_furniture(leaflet):
    shown = [s for s in NOT_PRINTED if leaflet.locator(s).first.is_visible()]
    assert shown == [], f"these print on the leaflet: {shown}"


def test_the_leaflet_says_whose_it_is_where_it_lives_and_when_it_was_reviewed(leaflet, site_url):
    assert leaflet.locator(".brand").is_visible()
    top = leaflet.locator(".site-header .print-only")
    assert top.is_visible()
    assert re.search(r"Phone [\d +()-]{6,}", top.inner_text()), top.inner_text()
    assert f"{site_url}{KNEE_PATH}" in top.inner_text(), "the page's full address is missing"
    assert leaflet.locator(".review").is_visible()
    assert leaflet.locator("#urgent-help").is_visible(), "urgent-help advice should still print"


def test_the_leaflet_prints_outside_addresses_in_full_and_keeps_items_whole(leaflet):
    link = leaflet.locator(".prose a[href^='http']").first
    after = link.evaluate("el => getComputedStyle(el, '::after').content")
    assert link.get_attribute("href") in after, after
    for selector in ("li", "figure"):
        for element in leaflet.locator(f"main {selector}").all()[:20]:
            rule = element.evaluate("el => getComputedStyle(el).breakInside")
            assert rule == "avoid", f"a page may break inside a {selector} ({rule})"


def test_the_leaflet_is_accessible(leaflet, axe_source):
    violations = axe_violations(leaflet, axe_source)
    assert not violations, format_violations(violations, f"{KNEE_PATH} in print view")


def test_the_print_button_prints_and_needs_javascript(chromium, site_url, open_page):
    page, _ = open_page(KNEE_PATH, "phone")
    page.evaluate(FAKE_PRINT_JS)
    button = page.get_by_role("button", name="Print this page")
    button.click()
    assert page.evaluate("window.__printed") == 1

    context = chromium.new_context(java_script_enabled=False, viewport=viewport_size("phone"))
    try:
        no_js = context.new_page()
        no_js.goto(site_url + KNEE_PATH)
        assert not no_js.locator(".print-page").is_visible(), "a button that cannot work shows"
    finally:
        context.close()

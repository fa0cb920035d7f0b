"""The body map by keyboard, mouse and screen-reader name; the figures' text alternatives; the
drawings in forced colours and under other colours. (axe and the 320 px reflow check of these
pages are in test_accessibility.py, which covers every page.)"""

import pytest
from playwright.sync_api import expect

from .helpers import VIEWPORTS

pytestmark = pytest.mark.browser

# The state of the focused (or hovered) element's drawn area, and whether it is in the map.
ACTIVE_AREA_JS = """() => {
  const link = document.activeElement;
  const area = link && link.closest('nav.body-map svg a') && link.querySelector('.body-area');
  if (!area) return null;
  const style = getComputedStyle(area);
  return {name: link.getAttribute('aria-label'), href: link.getAttribute('href'),
          fill: style.fill, stroke: style.stroke, strokeWidth: style.strokeWidth};
}"""
AREA_STYLE_JS = """(link) => {
  const style = getComputedStyle(link.querySelector('.body-area'));
  return {fill: style.fill, stroke: style.stroke, strokeWidth: style.strokeWidth};
}"""


def region_links(page):
    return page.locator("nav.body-map svg a")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_tab_reaches_every_region_with_its_name_and_a_visible_focus(open_page, viewport):
    page, _ = open_page("/conditions/", viewport)
    links = region_links(page)
    names = [links.nth(i).get_attribute("aria-label") for i in range(links.count())]
    assert len(names) == 6
    for name in names:  # the name a screen reader announces, from the accessibility tree
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(1)
    resting = links.first.evaluate(AREA_STYLE_JS)

    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(ACTIVE_AREA_JS)
        if state is None:
            if reached:
                break
            continue
        reached.append(state["name"])
        assert state["fill"] != resting["fill"], f"{state['name']}: focus does not show"
        assert float(state["strokeWidth"].rstrip("px")) > float(resting["strokeWidth"][:-2])
    assert reached == names

    links.nth(4).focus()
    page.keyboard.press("Enter")
    href = links.nth(4).get_attribute("href")
    expect(page).to_have_url(page.url.split("#")[0] + href)
    group = page.locator(href)
    expect(group).to_be_in_viewport()
    assert group.locator("h2").inner_text() in names[4]


def test_hovering_a_region_highlights_it(open_page):
    page, _ = open_page("/conditions/")
    link = region_links(page).nth(3)  # back and chest: solid in the middle, where hover aims
    before = link.evaluate(AREA_STYLE_JS)
    link.locator("path").first.hover()
    assert link.evaluate(AREA_STYLE_JS)["fill"] != before["fill"]


def test_the_map_and_drawings_take_their_colours_from_the_palette(open_page):
    """A re-brand, or a dark scheme, changes the custom properties; the drawings follow."""
    page, _ = open_page("/conditions/knee-pain/")
    marked = page.locator(".facts svg .is-marked")
    page.evaluate("document.documentElement.style.setProperty('--brand', 'rgb(1, 2, 3)')")
    assert marked.evaluate("el => getComputedStyle(el).fill") == "rgb(1, 2, 3)"
    mark = page.locator(".facts .evidence")
    page.evaluate("document.documentElement.style.setProperty('--muted', 'rgb(4, 5, 6)')")
    assert mark.evaluate("el => getComputedStyle(el).color") == "rgb(4, 5, 6)"


@pytest.mark.parametrize("path", ["/what-is-pit/", "/how-it-works/", "/pit-vs-prolotherapy/"])
def test_the_injection_drawing_is_an_image_with_a_name_and_a_caption(shared_page, path):
    page, _ = shared_page(path, "phone")
    figure = page.locator("figure.injection-depths")
    expect(figure.get_by_role("img", name="Drawing of a slice through the skin")).to_be_visible()
    expect(figure.locator("figcaption")).to_contain_text("just under the skin")
    box = figure.locator("svg").bounding_box()
    assert 0 < box["width"] <= VIEWPORTS["phone"][0]


def test_drawings_stay_readable_in_forced_colours(chromium, site_url):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, forced_colors="active")
    try:
        page = context.new_page()
        page.goto(f"{site_url}/what-is-pit/")
        text_colour = page.evaluate("getComputedStyle(document.body).color")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        labels = page.locator("figure.injection-depths svg .fig-label text")
        assert labels.count() >= 7
        for i in range(labels.count()):
            assert labels.nth(i).evaluate("el => getComputedStyle(el).fill") == text_colour
        layer = page.locator("figure.injection-depths .fig-fat")
        assert layer.evaluate("el => getComputedStyle(el).fill") == background
        assert layer.evaluate("el => getComputedStyle(el).stroke") == text_colour

        page.goto(f"{site_url}/conditions/knee-pain/")
        marked = page.locator(".facts svg .is-marked")
        other = page.locator(".facts svg .body-area:not(.is-marked)").first
        assert marked.evaluate("el => getComputedStyle(el).fill") != other.evaluate(
            "el => getComputedStyle(el).fill"
        )
    finally:
        context.close()

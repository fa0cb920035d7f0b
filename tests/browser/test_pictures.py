"""Uploaded images on a public page, in Chromium: the editor uploads two photos in the admin
and makes a page showing them; patients on a phone get the 400 px WebP copy and on a desktop
the 800 px one, the page does not move as the images load (width and height are given), the
second image waits until it is scrolled to, and axe finds nothing at either width.

The page is made and deleted by this module, so other browser tests see the shipped content.
"""

import io
import re
import uuid

import pytest
from playwright.sync_api import expect

from .helpers import axe_violations, format_violations, sign_in, viewport_size

pytestmark = pytest.mark.browser

IMAGE_CODE_RE = re.compile(r"/media/images/[\w/]+\.jpg")
ADMIN_CHANGE_RE = re.compile(r"/admin/pages/page/(\d+)/change/")
# The page's total layout shift so far (the buffered entries of a PerformanceObserver).
LAYOUT_SHIFT_JS = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(total), 200);
})"""


def photo_jpeg(size):
    """A photo-like JPEG: smooth colour with some detail."""
    from PIL import Image

    small = Image.linear_gradient("L").resize((64, 48))
    bands = [small, small.rotate(90), small.transpose(Image.FLIP_LEFT_RIGHT)]
    out = io.BytesIO()
    Image.merge("RGB", bands).resize(size, Image.BILINEAR).save(out, "JPEG", quality=85)
    return out.getvalue()


def upload_in_admin(page, site_url, name):
    """Upload a 2000 x 1500 photo on the admin's "Add image" form; its address on the site."""
    page.goto(f"{site_url}/admin/pages/image/add/")
    page.set_input_files(
        "#id_file", {"name": name, "mimeType": "image/jpeg", "buffer": photo_jpeg((2000, 1500))}
    )
    page.fill("#id_note", f"Browser figure test {name}")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.fill("#searchbar", f"Browser figure test {name}")
    page.press("#searchbar", "Enter")
    return IMAGE_CODE_RE.search(page.locator("#result_list").inner_text()).group(0)


@pytest.fixture(scope="module")
def figure_page(chromium, site_url, editor_account):
    """The path of a published page with two uploaded photos, the first with a caption."""
    token = uuid.uuid4().hex[:8]
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, site_url, editor_account)
    first = upload_in_admin(page, site_url, f"knee-{token}.jpg")
    second = upload_in_admin(page, site_url, f"ankle-{token}.jpg")
    path = f"figure-check-{token}"
    page.goto(f"{site_url}/admin/pages/page/add/")
    page.fill("#id_title", "Where the injections go")
    page.fill(
        "#id_body",
        "A first short paragraph.\n\n"
        f'![A clinician examining a knee]({first} "The knee is checked before each session.")'
        "\n\n" + "Some more words to read between the pictures. " * 200 + "\n\n"
        f"![An ankle resting on a cushion]({second})\n",
    )
    page.fill("#id_path", path)
    page.fill("#id_summary", "A page made by the browser tests to check how uploaded photos show.")
    page.select_option("#id_status", "published")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page_id = ADMIN_CHANGE_RE.search(page.url).group(1)
    try:
        yield f"/{path}/"
    finally:
        page.goto(f"{site_url}/admin/pages/page/{page_id}/delete/")
        page.locator("input[type=submit]").click()
        expect(page.locator(".messagelist .success")).to_be_visible()
        context.close()


def images_of(page):
    return page.locator(".prose picture img")


@pytest.mark.parametrize(("viewport", "width"), [("phone", 400), ("desktop", 800)])
def test_each_screen_gets_the_copy_that_fits(
    chromium, site_url, figure_page, axe_source, viewport, width
):
    context = chromium.new_context(viewport=viewport_size(viewport))  # a patient: no cookies
    try:
        page = context.new_page()
        page.goto(site_url + figure_page, wait_until="load")
        first, second = images_of(page).all()
        expect(page.locator(".prose figure figcaption")).to_have_text(
            "The knee is checked before each session."
        )
        assert first.get_attribute("alt") == "A clinician examining a knee"
        for image in (first, second):
            assert (image.get_attribute("width"), image.get_attribute("height")) == (
                "1600",
                "1200",
            )
        assert first.get_attribute("loading") is None
        assert second.get_attribute("loading") == "lazy"
        # The first is shown at once, at the width that fits, in WebP.
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=first.element_handle()
        )
        assert first.evaluate("img => img.currentSrc").endswith(f"-{width}w.webp")
        box = first.bounding_box()
        assert abs(box["height"] - box["width"] * 0.75) < 2  # the shape the attributes give
        # The second loads when scrolled to, and the page does not move for either.
        assert second.evaluate("img => img.currentSrc") == ""
        second.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=second.element_handle()
        )
        assert second.evaluate("img => img.currentSrc").endswith(f"-{width}w.webp")
        assert page.evaluate(LAYOUT_SHIFT_JS) == 0
        violations = axe_violations(page, axe_source)
        assert not violations, format_violations(violations, f"{figure_page} at {viewport}")
    finally:
        context.close()

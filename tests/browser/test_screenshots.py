"""Full-page screenshots of key pages for a human to look at (not compared, not committed).

Saved to $PIT_SCREENSHOT_DIR, default /tmp/pit-shots, as <page>-<width>.png.
"""

import os
from pathlib import Path

import pytest

from .helpers import VIEWPORTS, content_paths, path_id

pytestmark = pytest.mark.browser

SHOT_DIR = Path(os.environ.get("PIT_SCREENSHOT_DIR") or "/tmp/pit-shots")  # noqa: S108
SHOT_PATHS = [
    p for p in ("/", "/faqs/", "/conditions/", "/conditions/knee-pain/") if p in content_paths()
] + ["/search/?q=heel+pain", "/search/?q=xylophone+lessons"]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", SHOT_PATHS, ids=path_id)
def test_screenshot(shared_page, path, viewport):
    page, response = shared_page(path, viewport)
    assert response.status == 200
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    name = path_id(path).replace("/", "-").replace("?q=", "").replace("+", "-")
    target = SHOT_DIR / f"{name}-{VIEWPORTS[viewport][0]}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 0

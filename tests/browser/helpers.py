"""Shared pieces for the browser tests: the page list, viewports and small page checks.

Nothing here touches Django or its database; the browser tests only talk HTTP to a real
web server started by conftest.py.
"""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = Path(os.environ.get("PIT_CONTENT_DIR") or ROOT / "content")
NOT_FOUND_PATH = "/no-such-page/"

# name: (width, height)
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
NARROW = (320, 640)  # WCAG 1.4.10 reflow width


def viewport_size(name):
    """Playwright's viewport dict for "phone", "desktop" or "narrow"."""
    width, height = NARROW if name == "narrow" else VIEWPORTS[name]
    return {"width": width, "height": height}


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# The browser server's minimum seconds between showing the contact form and a person sending it
# (quicker sends are stored but flagged as suspected spam); conftest.py passes it to the server.
ENQUIRY_MIN_SECONDS = 1


def url_path(file, root=CONTENT_DIR):
    """content/index.md -> "/", content/x.md -> "/x/", content/a/index.md -> "/a/"."""
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "index":
        parts.pop()
    return "/" + "".join(f"{part}/" for part in parts)


def content_paths():
    """Every public page, read from the content folder when the tests are collected."""
    return sorted({url_path(file) for file in CONTENT_DIR.rglob("*.md")})


def path_id(path):
    return path.strip("/") or "home"


def first_path(prefix):
    """The first content page under ``prefix`` ("/conditions/"), preferring knee pain."""
    paths = [p for p in content_paths() if p.startswith(prefix) and p != prefix]
    preferred = f"{prefix}knee-pain/"
    if preferred in paths:
        return preferred
    return paths[0] if paths else None


# Finds what sticks out to the right, to make an overflow failure easy to fix.
OVERFLOW_JS = """() => {
  const limit = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map((c) => '.' + c).join('');
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > limit + 1) {
      const parent = el.parentElement ? name(el.parentElement) + ' > ' : '';
      offenders.push(`${parent}${name(el)} (right edge ${Math.round(box.right)}px)`);
    }
    if (offenders.length >= 5) break;
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    offenders,
  };
}"""


def assert_no_horizontal_scroll(page, width, where):
    info = page.evaluate(OVERFLOW_JS)
    assert info["scrollWidth"] <= info["innerWidth"] and info["scrollWidth"] <= width, (
        f"{where}: the page scrolls sideways at {width}px wide "
        f"(scrollWidth {info['scrollWidth']}px, window.innerWidth {info['innerWidth']}px). "
        f"Elements past the right edge: {'; '.join(info['offenders']) or 'none found'}"
    )


def format_violations(violations, where, max_targets=3):
    lines = [f"{len(violations)} axe-core violation(s) on {where}:"]
    for violation in violations:
        nodes = violation.get("nodes", [])
        targets = [" ".join(map(str, node.get("target", []))) for node in nodes[:max_targets]]
        more = f" (+{len(nodes) - max_targets} more)" if len(nodes) > max_targets else ""
        lines.append(
            f"- {violation['id']} [{violation.get('impact')}] {violation['help']}\n"
            f"    {len(nodes)} element(s): {', '.join(targets)}{more}\n"
            f"    {violation.get('helpUrl', '')}"
        )
        if nodes:
            html = " ".join(nodes[0].get("html", "").split())
            summary = " ".join(nodes[0].get("failureSummary", "").split())
            lines.append(f"    first: {html[:160]}\n    {summary[:300]}")
    return "\n".join(lines)


def axe_violations(page, axe_source, context="document"):
    """axe-core's violations (AXE_TAGS) on the page, or on ``context`` (an axe context)."""
    page.evaluate(axe_source)
    results = page.evaluate(
        "([context, options]) => axe.run(context === 'document' ? document : context, options)",
        [context, {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}],
    )
    return results["violations"]


RECOVERY_CODES = 60  # more than the sign-ins of one run
_used_codes = {}


def recovery_codes(account):
    """The single-use recovery codes conftest gives ``account`` in the throw-away database."""
    return [f"{account.username[-4:]}{n:04d}"[-8:] for n in range(RECOVERY_CODES)]


def enter_password(page, site_url, account, next_path="/admin/"):
    page.goto(f"{site_url}/admin/login/?next={next_path}")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("input[type=submit]")


def sign_in(page, site_url, account):
    """Sign in to the admin as ``account`` (a conftest.StaffAccount): the password, then the
    second step with one of its recovery codes; lands on the admin's index."""
    from playwright.sync_api import expect

    enter_password(page, site_url, account)
    expect(page).to_have_url(re.compile(re.escape(f"{site_url}/admin/security/second-step/")))
    used = _used_codes.setdefault(account.username, 0)
    _used_codes[account.username] = used + 1
    page.fill("#id_code", recovery_codes(account)[used])
    page.click("#content input[type=submit]")
    expect(page).to_have_url(f"{site_url}/admin/")
    expect(page.locator("#user-tools")).to_contain_text(account.name.split()[0])

"""Reading the content/ folder: Markdown files with YAML front matter (docs/content-format.md)."""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import reversion
import yaml
from django.conf import settings
from django.db import transaction

from pit_site.paths import site_segments

from .models import (
    MENU_FIELDS,
    NOT_OFFERED_NEEDS_CONDITION,
    Evidence,
    FileState,
    Kind,
    Page,
    Region,
    Status,
    fingerprint,
    one_year_after,
)
from .rendering import RenderError

# Always used with fullmatch: "$" alone would also accept a newline at the end.
SEGMENT_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
ALLOWED_KEYS = {
    "title", "summary", "kind", "status", "order", "nav_title", "header_menu", "footer_menu",
    "region", "evidence", "not_offered", "review", "last_reviewed", "next_review_due",
    "reviewer", "reviewer_role",
}  # fmt: skip
# The `review` key's only value: says outright that no clinician has reviewed the page yet.
AWAITING_REVIEW = "awaiting clinical review"
MAX_FILE_BYTES = 1_000_000


class ContentError(Exception):
    """A content file that cannot be loaded; the message names what is wrong."""


def path_for(file, root):
    """URL path of a content file: content/conditions/index.md -> "conditions"."""
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts[-1] == "index":
        parts.pop()
    return check_url_path("/".join(parts))


def check_url_path(path):
    """The path if it can be a page's URL ("" for the home page), else ContentError."""
    parts = path.split("/") if path else []
    for part in parts:
        if not SEGMENT_RE.fullmatch(part):
            raise ContentError(
                f"{part!r} is not a valid URL part: use lower-case letters, digits and hyphens"
            )
    if parts and parts[0] in site_segments():
        raise ContentError(f"/{parts[0]}/ is reserved for the site itself")
    return path


def _date(meta, key):
    value = meta.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    raise ContentError(f"{key} must be a date written as YYYY-MM-DD, not {value!r}")


def _text(meta, key, *, required=False, max_length=None):
    value = meta.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ContentError(f"{key} must be text")
    value = str(value).strip()
    if required and not value:
        raise ContentError(f"{key} is missing")
    if max_length and len(value) > max_length:
        raise ContentError(f"{key} is longer than {max_length} characters")
    return value


def _yes_no(meta, key):
    value = meta.get(key, False)
    if not isinstance(value, bool):
        raise ContentError(f"{key} must be true or false, not {value!r}")
    return value


def parse_file(file, root):
    """The page values a content file describes, or ContentError saying what is wrong."""
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ContentError(f"file is larger than {MAX_FILE_BYTES // 1000} KB")
    try:
        post = frontmatter.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ContentError("file is not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ContentError(f"front matter is not valid YAML{where}") from None
    if "\x00" in post.content or any("\x00" in str(v) for v in post.metadata.values()):
        raise ContentError("file contains a NUL character")
    meta = post.metadata
    if not isinstance(meta, dict) or not meta:
        raise ContentError("front matter is missing (start the file with --- and a title)")
    unknown = sorted(set(map(str, meta)) - ALLOWED_KEYS)
    if unknown:
        raise ContentError(
            f"unknown front matter {'keys' if len(unknown) > 1 else 'key'}: {', '.join(unknown)}"
        )

    kind = _text(meta, "kind") or Kind.PAGE
    if kind not in Kind.values:
        raise ContentError(f"unknown kind {kind!r}; use one of: {', '.join(Kind.values)}")
    status = _text(meta, "status") or Status.PUBLISHED
    if status not in Status.values:
        raise ContentError(f"unknown status {status!r}; use one of: {', '.join(Status.values)}")
    order = meta.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise ContentError(f"order must be a whole number, not {order!r}")
    region = _text(meta, "region")
    evidence = _text(meta, "evidence")
    if kind == Kind.CONDITION:
        if region not in Region.values:
            raise ContentError(f"region must be one of: {', '.join(Region.values)}")
        if evidence not in Evidence.values:
            raise ContentError(f"evidence must be one of: {', '.join(Evidence.values)}")
    elif region or evidence:
        raise ContentError("region and evidence are only for kind: condition")
    not_offered = meta.get("not_offered", False)
    if not isinstance(not_offered, bool):
        raise ContentError(f"not_offered must be true or false, not {not_offered!r}")
    if not_offered and kind != Kind.CONDITION:
        raise ContentError(NOT_OFFERED_NEEDS_CONDITION)

    last_reviewed = _date(meta, "last_reviewed")
    next_review_due = _date(meta, "next_review_due")
    if last_reviewed and not next_review_due:
        next_review_due = one_year_after(last_reviewed)
    values = {
        "path": path_for(file, root),
        "title": _text(meta, "title", required=True, max_length=200),
        "summary": _text(meta, "summary", required=True, max_length=300),
        "kind": kind,
        "status": status,
        "order": order,
        "nav_title": _text(meta, "nav_title", max_length=80),
        **{key: _yes_no(meta, key) for key in MENU_FIELDS},
        "region": region,
        "evidence": evidence,
        "not_offered": not_offered,
        "last_reviewed": last_reviewed,
        "next_review_due": next_review_due,
        "reviewer": _text(meta, "reviewer", max_length=120),
        "reviewer_role": _text(meta, "reviewer_role", max_length=120),
        "body": post.content.strip().replace("\r\n", "\n"),
    }
    if values["reviewer"] and not last_reviewed:
        raise ContentError("reviewer is set but last_reviewed is missing")
    review = _text(meta, "review")
    if review and review != AWAITING_REVIEW:
        raise ContentError(
            f"review must be {AWAITING_REVIEW!r}, not {review!r}"
            " (for a reviewed page, give last_reviewed and reviewer instead)"
        )
    if review and (last_reviewed or values["reviewer"]):
        raise ContentError(
            f"review says {AWAITING_REVIEW!r} but last_reviewed or reviewer is set: keep one"
        )
    return values


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (file, message)


def load_content(root, *, force=False):
    """Import every Markdown file under ``root``; one bad file does not stop the rest.

    A page changed in the database since a load last wrote it, and since it last matched its
    file in ``root``, is a conflict and is left alone, unless ``force`` (see FileState).
    """
    root = Path(root).resolve()
    report = LoadReport()
    seen = {}
    for file in sorted(root.rglob("*.md"), key=lambda f: str(f.relative_to(root))):
        name = str(file.relative_to(root))
        try:
            values = parse_file(file, root)
        except (ContentError, OSError) as error:
            report.errors.append((name, str(error)))
            continue
        path = values.pop("path")
        if path in seen:
            report.errors.append((name, f"same URL /{path}/ as {seen[path]}"))
            continue
        seen[path] = name
        try:
            _store(path, values, root, name, report, force)
        except RenderError as error:  # Markdown too complex to render: nothing stored
            report.errors.append((name, str(error)))
    return report


def folder_label(root):
    """How history names a folder: relative to the project if inside it, else in full."""
    root = Path(root).resolve()
    base = Path(settings.BASE_DIR).resolve()
    return root.relative_to(base).as_posix() if root.is_relative_to(base) else str(root)


@transaction.atomic
def _store(path, values, root, name, report, force):
    file_hash = fingerprint(values)
    folder = str(root)
    comment = f"Loaded from {Path(folder_label(root), name).as_posix()}"
    page = Page.objects.select_for_update().filter(path=path).first()
    if page is None:
        with reversion.create_revision():
            page = Page(path=path, **values)
            page.save()
            reversion.set_comment(comment)
        state = FileState(page=page, loaded_hash=file_hash)
        state.matched(folder, file_hash)
        state.save()
        report.created.append(name)
        return
    state = FileState.objects.filter(page=page).first() or FileState(page=page)
    db_hash = page.content_hash()
    if db_hash == file_hash:
        # The page and this file agree; that says nothing about any other folder.
        if state.folders.get(folder) != file_hash:
            state.matched(folder, file_hash)
            state.save()
        report.unchanged.append(name)
        return
    if not force and not state.unchanged_since_files(db_hash, folder):
        report.conflicts.append(name)
        return
    for key, value in values.items():
        setattr(page, key, value)
    with reversion.create_revision():
        page.save()
        reversion.set_comment(comment + (" (forced)" if force else ""))
    state.loaded_hash = file_hash
    state.matched(folder, file_hash)
    state.save()
    report.updated.append(name)

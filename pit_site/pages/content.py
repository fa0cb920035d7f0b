"""Reading the content/ folder: Markdown files with YAML front matter (docs/content-format.md)."""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import reversion
import yaml
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils.text import normalize_newlines

from pit_site.paths import site_segments

from .models import CONTENT_FIELDS, REVIEW_FIELDS, FileState, Page, Status, fingerprint
from .rendering import RenderError

# Always used with fullmatch: "$" alone would also accept a newline at the end.
SEGMENT_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# The `review` key's only value: says outright that no clinician has reviewed the page yet.
AWAITING_REVIEW = "awaiting clinical review"
# The front matter sets every content field but the body; `review`, which stands in for the
# review fields on a page no clinician has reviewed, is listed just before them.
FRONT_MATTER_FIELDS = tuple(name for name in CONTENT_FIELDS if name != "body")
_REVIEW_AT = FRONT_MATTER_FIELDS.index(REVIEW_FIELDS[0])
FRONT_MATTER_KEYS = (*FRONT_MATTER_FIELDS[:_REVIEW_AT], "review", *FRONT_MATTER_FIELDS[_REVIEW_AT:])
# A file without a status is published; other missing keys take the field's default.
FILE_DEFAULTS = {"status": Status.PUBLISHED}
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


def _text(meta, key):
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ContentError(f"{key} must be text")
    return str(value).strip()


def _field_value(meta, name):
    """The value front matter key ``name`` gives its page field, or ContentError if the YAML
    value is of the wrong type. What the value may be is Page.full_clean's to check."""
    field = Page._meta.get_field(name)
    default = FILE_DEFAULTS.get(name, field.get_default())
    if isinstance(field, models.CharField | models.TextField):
        return _text(meta, name) or default
    value = meta.get(name, default)
    if isinstance(field, models.BooleanField):
        expected, fits = "true or false", isinstance(value, bool)
    elif isinstance(field, models.DateField):
        value = None if value == "" else value  # an empty date is no date
        expected, fits = "a date written as YYYY-MM-DD", isinstance(value, datetime.date | None)
    else:  # an IntegerField: order
        expected, fits = "a whole number", isinstance(value, int) and not isinstance(value, bool)
    if not fits:
        raise ContentError(f"{name} must be {expected}, not {value!r}")
    return value


def _check_review_key(meta, page):
    review = _text(meta, "review")
    if review and review != AWAITING_REVIEW:
        raise ContentError(
            f"review must be {AWAITING_REVIEW!r}, not {review!r}"
            " (for a reviewed page, give last_reviewed and reviewer instead)"
        )
    if review and (page.last_reviewed or page.reviewer):
        raise ContentError(
            f"review says {AWAITING_REVIEW!r} but last_reviewed or reviewer is set: keep one"
        )


def _problems(error):
    """A ValidationError from Page.full_clean as one line, each message after its key."""
    problems = []
    for name, errors in error.error_dict.items():
        field = None if name == NON_FIELD_ERRORS else Page._meta.get_field(name)
        for each in errors:
            message = " ".join(each.messages)
            # A value that is not one of the choices, or a missing one: list the choices.
            if field and field.choices and each.code in ("invalid_choice", "needed"):
                message += f" Use one of: {', '.join(value for value, _ in field.choices)}."
            problems.append(f"{name}: {message}" if field else message)
    return " ".join(problems)


def parse_file(file, root):
    """The page values a content file describes, or ContentError saying what is wrong."""
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ContentError(f"file is larger than {MAX_FILE_BYTES // 1000} KB")
    try:
        # utf-8-sig: a byte order mark, which some editors write, is not part of the text.
        post = frontmatter.loads(normalize_newlines(file.read_bytes().decode("utf-8-sig")))
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
    unknown = sorted(set(map(str, meta)) - set(FRONT_MATTER_KEYS))
    if unknown:
        raise ContentError(
            f"unknown front matter {'keys' if len(unknown) > 1 else 'key'}: {', '.join(unknown)}"
        )

    page = Page(
        path=path_for(file, root),
        body=post.content.strip(),
        **{name: _field_value(meta, name) for name in FRONT_MATTER_FIELDS},
    )
    _check_review_key(meta, page)
    try:
        page.full_clean(validate_unique=False)  # the page's own rules, as the admin applies
    except ValidationError as error:
        raise ContentError(_problems(error)) from None
    return {"path": page.path, **page.content_values()}


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

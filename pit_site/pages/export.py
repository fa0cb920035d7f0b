"""Writing pages back to content/ as Markdown with YAML front matter (docs/content-format.md).

The inverse of content.load_content: ``parse_file(serialize(page))`` gives back the page's
content fields exactly, so edits made in the admin can be committed to the repository.
"""

import datetime
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml
from django.utils.text import normalize_newlines

from .content import AWAITING_REVIEW, FRONT_MATTER_KEYS, ContentError, path_for
from .models import YES_NO_FIELDS, FileState, Page, Status, one_year_after

ALWAYS_WRITTEN = {"title", "summary", "kind", "order"}
# Characters YAML treats as line breaks: a value holding one is written double-quoted with
# escapes, so it stays on one line and can never look like a front matter boundary.
LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes strings only when needed, and never over several lines."""


def _represent_str(dumper, value):
    style = '"' if any(ch in value for ch in LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str.__str__(value), style=style)


_Dumper.add_representer(str, _represent_str)
# And str subclasses, such as Kind.PAGE on a page not yet saved.
_Dumper.add_multi_representer(str, _represent_str)


def front_matter(page):
    """The front matter keys of a page, in order, without empty optional ones.

    A page no clinician has reviewed says so: ``review: awaiting clinical review``.
    """
    meta = {}
    for key in FRONT_MATTER_KEYS:
        if key == "review":
            if not page.last_reviewed and not page.reviewer:
                meta[key] = AWAITING_REVIEW
            continue
        value = getattr(page, key)
        if key == "status" and value == Status.PUBLISHED:
            continue  # a missing status means published
        if (
            key == "next_review_due"
            and page.last_reviewed
            and value == one_year_after(page.last_reviewed)
        ):
            continue  # the default: leave it out so editing last_reviewed moves it too
        if key not in ALWAYS_WRITTEN and value in (None, ""):
            continue
        if key in YES_NO_FIELDS and not value:
            continue  # a missing key means no
        if isinstance(value, datetime.datetime):
            value = value.date()
        meta[key] = value
    return meta


def serialize(page):
    """The canonical text of one page's content file."""
    header = yaml.dump(
        front_matter(page),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=float("inf"),  # never fold long titles or summaries
    )
    body = normalize_newlines(page.body or "").strip()
    text = f"---\n{header}---\n"
    if body:
        text += f"\n{body}\n"
    return text


def path_to_file(path, paths=None):
    """Relative file for a page path: "" -> index.md, a section -> x/index.md, else x.md.

    ``paths`` is every page path in use (default: read from the database); a path is a
    section when some other page lives under it.
    """
    if not path:
        return Path("index.md")
    if paths is None:
        paths = Page.objects.filter(path__startswith=f"{path}/").values_list("path", flat=True)
    prefix = f"{path}/"
    if any(other.startswith(prefix) for other in paths):
        return Path(*PurePosixPath(path).parts, "index.md")
    parts = PurePosixPath(path).parts
    return Path(*parts[:-1], f"{parts[-1]}.md")


def _other_place(relative):
    """The other file that gives the same URL: x.md <-> x/index.md (none for index.md)."""
    if relative == Path("index.md"):
        return None
    if relative.name == "index.md":
        return relative.parent.with_suffix(".md")
    return relative.with_suffix("") / "index.md"


@dataclass
class ExportReport:
    written: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    # Files under the folder that no page in the database matches; left in place.
    orphans: list = field(default_factory=list)
    # With prune: files whose page is no longer in the database, deleted.
    removed: list = field(default_factory=list)


def _write_atomically(file, data):
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(file.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    handle, temp_name = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, file)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def export_content(root, *, prune=False):
    """Write every page under ``root``, only where the file's text differs.

    Afterwards each page is recorded as matching its file in ``root`` (FileState), so a later
    load_content of ``root`` sees the files and the database agree; other folders are not
    vouched for. A file whose page is no longer in the database (deleted, or
    moved to another path) is left in place, or deleted with ``prune``; a file whose name
    cannot be a page's is always left alone.
    """
    root = Path(root).resolve()
    report = ExportReport()
    pages = list(Page.objects.select_related("file_state").order_by("path"))
    paths = [page.path for page in pages]
    for page in pages:
        relative = path_to_file(page.path, paths)
        other = _other_place(relative)
        if other and not (root / relative).exists() and (root / other).is_file():
            relative = other  # keep the file where it already is: both give the same URL
        file = root / relative
        data = serialize(page).encode("utf-8")
        try:
            current = file.read_bytes()
        except FileNotFoundError:
            current = None
        name = relative.as_posix()
        if current == data:
            report.unchanged.append(name)
        else:
            _write_atomically(file, data)
            report.written.append(name)
        _record_match(page, str(root))

    known = set(paths)
    for file in sorted(root.rglob("*.md"), key=lambda f: str(f.relative_to(root))):
        name = file.relative_to(root).as_posix()
        try:
            path = path_for(file, root)
        except ContentError:
            report.orphans.append(name)  # not a page's file: never ours to delete
            continue
        if path in known:
            continue
        if prune:
            file.unlink()
            _remove_empty_folders(file.parent, root)
            report.removed.append(name)
        else:
            report.orphans.append(name)
    return report


def _record_match(page, folder):
    try:
        state = page.file_state
    except FileState.DoesNotExist:
        state = FileState(page=page)
    content_hash = page.content_hash()
    if state.folders.get(folder) != content_hash:
        state.matched(folder, content_hash)
        state.save()


def _remove_empty_folders(folder, root):
    """Remove ``folder`` and its parents, up to but not including ``root``, while empty."""
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and root in folder.parents and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent

"""content/bibliography.yaml: the reference register as a file, loaded and exported like pages.

The file is a YAML list, one mapping per reference, keys in FILE_FIELDS order, sorted by key.
``export_bibliography`` writes it in one fixed form, so loading it and exporting it again
gives the same bytes. A reference edited in the admin since it last matched the file is a
conflict on the next load: kept, unless ``force``. Link-check results are the site's own
record and never go into the file.
"""

import datetime
import hashlib
import json

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from pit_site.pages.content import LoadReport
from pit_site.pages.export import _write_atomically

from .models import Reference

FILE_NAME = "bibliography.yaml"
FILE_FIELDS = (
    "key", "study_type", "authors", "year", "title", "journal", "volume", "pages", "doi",
    "pmid", "url", "participants", "injected", "finding", "last_checked",
)  # fmt: skip
NUMBERS = {"year", "participants"}
HEADER = (
    "# The reference register: pages cite these by key, as [@key] (docs/content-format.md).\n"
    "# manage.py export_content writes this file: one entry per reference, sorted by key.\n"
)
MAX_FILE_BYTES = 1_000_000


def file_values(reference):
    return {name: getattr(reference, name) for name in FILE_FIELDS}


def fingerprint(values):
    canonical = {name: values.get(name) for name in FILE_FIELDS}
    blob = json.dumps(canonical, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _value(name, value):
    """A file value as the model holds it; ValueError saying what is wrong."""
    if value is None:
        return None if name in NUMBERS | {"last_checked"} else ""
    if name in NUMBERS:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a whole number, not {value!r}")
        return value
    if name == "last_checked":
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise ValueError(f"last_checked must be a date written as YYYY-MM-DD, not {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{name} must be text")
    return str(value).strip()


def parse_bibliography(text):
    """(list of unsaved References, list of (where, message) errors) from the file's text."""
    try:
        entries = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return [], [(FILE_NAME, f"not valid YAML{f' (line {mark.line + 1})' if mark else ''}")]
    if entries is None:
        return [], []
    if not isinstance(entries, list):
        return [], [(FILE_NAME, "must be a list of references, each starting with - key:")]
    references, errors, seen = [], [], set()
    for number, entry in enumerate(entries, 1):
        where = f"{FILE_NAME}: entry {number}"
        if not isinstance(entry, dict):
            errors.append((where, "must be a mapping of fields (key: …, title: …)"))
            continue
        key = entry.get("key")
        if isinstance(key, str) and key.strip():
            where = f"{FILE_NAME}: {key.strip()[:60]}"
        unknown = sorted(set(map(str, entry)) - set(FILE_FIELDS))
        if unknown:
            errors.append((where, f"unknown {'fields' if len(unknown) > 1 else 'field'}: "
                                  f"{', '.join(unknown)}"))  # fmt: skip
            continue
        try:
            values = {name: _value(name, entry.get(name)) for name in FILE_FIELDS}
        except ValueError as error:
            errors.append((where, str(error)))
            continue
        reference = Reference(**values)
        try:
            reference.full_clean(validate_unique=False)
        except ValidationError as error:
            errors.append((where, _messages(error)))
            continue
        if reference.key in seen:
            errors.append((where, "the same key is used twice"))
            continue
        seen.add(reference.key)
        references.append(reference)
    return references, errors


def _messages(error):
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def load_bibliography(root, *, force=False):
    """Load ``root``/bibliography.yaml into the register (nothing if there is no such file)."""
    report = LoadReport()  # with keys for names
    file = root / FILE_NAME
    if not file.is_file():
        return report
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"file is larger than {MAX_FILE_BYTES // 1000} KB")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        report.errors.append((FILE_NAME, str(error) or "not UTF-8 text"))
        return report
    if "\x00" in text:
        report.errors.append((FILE_NAME, "file contains a NUL character"))
        return report
    references, report.errors = parse_bibliography(text)
    for reference in references:
        _store(reference, report, force)
    return report


@transaction.atomic
def _store(loaded, report, force):
    values = file_values(loaded)
    file_hash = fingerprint(values)
    reference = Reference.objects.select_for_update().filter(key=loaded.key).first()
    if reference is None:
        loaded.file_hash = file_hash
        loaded.save()
        report.created.append(loaded.key)
        return
    db_hash = fingerprint(file_values(reference))
    if db_hash == file_hash:
        if reference.file_hash != file_hash:
            Reference.objects.filter(pk=reference.pk).update(file_hash=file_hash)
        report.unchanged.append(loaded.key)
        return
    if not force and reference.file_hash != db_hash:
        report.conflicts.append(loaded.key)  # edited in the admin since it matched the file
        return
    for name, value in values.items():
        setattr(reference, name, value)
    reference.file_hash = file_hash
    reference.save()
    report.updated.append(loaded.key)


class _Dumper(yaml.SafeDumper):
    """Strings quoted only when YAML needs it, never folded over lines."""


def _represent_str(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str.__str__(value))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_multi_representer(str, _represent_str)


def serialize(references):
    """The canonical text of the bibliography file."""
    entries = []
    for reference in sorted(references, key=lambda ref: ref.key):
        entry = {}
        for name, value in file_values(reference).items():
            if value in (None, ""):
                continue
            if name == "pmid":
                value = int(value)  # digits: written unquoted
            entry[name] = value
        entries.append(entry)
    body = yaml.dump(
        entries,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=float("inf"),
    )
    return HEADER + body


def export_bibliography(root):
    """Write the register to ``root``/bibliography.yaml if it differs; (written, unchanged)
    file names. Nothing is written for an empty register."""
    references = list(Reference.objects.all())
    if not references:
        return [], []
    file = root / FILE_NAME
    data = serialize(references).encode("utf-8")
    try:
        current = file.read_bytes()
    except FileNotFoundError:
        current = None
    for reference in references:
        file_hash = fingerprint(file_values(reference))
        if reference.file_hash != file_hash:
            Reference.objects.filter(pk=reference.pk).update(file_hash=file_hash)
    if current == data:
        return [], [FILE_NAME]
    _write_atomically(file, data)
    return [FILE_NAME], []


def file_register(root):
    """The register as ``root``/bibliography.yaml holds it, by key (unsaved References): for
    checking a content folder without a database. ValueError if the file has errors."""
    file = root / FILE_NAME
    if not file.is_file():
        return {}
    references, errors = parse_bibliography(file.read_text(encoding="utf-8"))
    if errors:
        raise ValueError("; ".join(f"{where}: {message}" for where, message in errors))
    return {reference.key: reference for reference in references}

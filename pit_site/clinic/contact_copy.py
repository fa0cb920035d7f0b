"""A copy of the clinic's contact details on this server's disk, for when the database is down.

The pages shown during a database outage (pit_site.outage: the 503 page, and the 500 page) give
the clinic's phone number and urgent-help advice, so they must not need the database. Every
process writes FALLBACK_DIR/clinic-contact.json whenever it sees details that differ from what
it last wrote: at its first ``Clinic.load()``, and after any save, on the server that saved at
once and on the others at their next load (saving invalidates the cached details). Without a
copy the pages fall back to general advice. The details are the clinic's public ones only.
"""

import json
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FIELDS = ("name", "phone", "phone_href", "email", "opening_hours", "emergency_number",
          "urgent_advice")  # fmt: skip
FILE_NAME = "clinic-contact.json"
_written = {}  # what this process last wrote, by path


def path():
    return Path(settings.FALLBACK_DIR) / FILE_NAME


def remember(clinic):
    """Write the clinic's contact details to the copy, if they differ from the last written."""
    details = {field: getattr(clinic, field) for field in FIELDS}
    target = path()
    if _written.get(target) == details:
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # A new file renamed into place: readers never see half a file, writers never clash.
        with tempfile.NamedTemporaryFile(
            "w", dir=target.parent, prefix=".clinic-", suffix=".tmp", delete=False
        ) as file:
            json.dump(details, file, ensure_ascii=False, indent=1)
        os.replace(file.name, target)
    except OSError as error:
        logger.warning("Could not keep a copy of the clinic's contact details in %s: %s",
                       target, error)  # fmt: skip
        return
    _written[target] = details


def read():
    """The copied details as a dict, or None when there is no usable copy."""
    try:
        details = json.loads(path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _written.get(path())
    if not isinstance(details, dict) or not all(
        isinstance(details.get(field), str) for field in FIELDS
    ):
        return _written.get(path())
    return details

"""The reading grade works with no network: the pinned textstat needs no downloads."""

import re
import socket
from importlib.metadata import version

from django.conf import settings

from pit_site.pages.readability import reading_grade

PARAGRAPH = (
    "<p>PIT is a course of small injections just under the skin. A nurse or doctor puts "
    "them near the nerves that may be causing your pain. Most people have one visit a "
    "week for a few weeks.</p>"
)


def test_reading_grade_is_worked_out_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    grade = reading_grade(PARAGRAPH)
    assert 2 <= grade <= 8
    assert reading_grade("<p>" + "Neuropathic inflammation complicates rehabilitation. " * 5) > 12


def test_textstat_is_the_pinned_version():
    requirements = (settings.BASE_DIR / "requirements.txt").read_text()
    pinned = re.search(r"^textstat==(\S+)$", requirements, re.M).group(1)
    assert version("textstat") == pinned
